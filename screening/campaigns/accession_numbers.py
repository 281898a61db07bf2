"""The DICOM Accession Number of an episode: what the modality worklist offers and images bring back.

An episode gets one when it is scheduled (invited, or attended without an invitation) and keeps it:
"SC" and its id, unique, at most 16 characters (DICOM SH). One UPDATE numbers every episode of a
batch that lacks one, so a bulk invitation costs one statement more.
"""

from collections.abc import Iterable

from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat

from screening.campaigns.models import Episode

ACCESSION_PREFIX = "SC"


def accession_number_of(episode_id: int) -> str:
    """The accession number an episode with this id is given."""
    return f"{ACCESSION_PREFIX}{episode_id}"


def episodes_accession_assign(*, episode_ids: Iterable[int]) -> int:
    """Give these episodes their accession number where they lack one; returns how many got one."""
    return Episode.objects.filter(pk__in=list(episode_ids), accession_number__isnull=True).update(
        accession_number=Concat(Value(ACCESSION_PREFIX), Cast(F("id"), CharField()))
    )
