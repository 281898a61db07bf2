"""Each reader's volume, recall rate, PPV, accuracy and agreement, under a stable pseudonym.

Auditors and coordinators see reader codes (`R-` and six characters of an HMAC of the user's id
under the site's secret key: stable, not reversible without the key, never the username); admins,
who manage the users, also see the names.
"""

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from screening.statistics.accuracy_counts import reader_counts
from screening.statistics.accuracy_figures import (
    PERCENT,
    AgreementFigure,
    DecisionFigure,
    decision_figure,
    discordant,
    kappa_figure,
    share_figure,
)
from screening.statistics.maths.disclosure import DisclosedProportion, disclosed
from screening.statistics.maths.proportions import proportion
from screening.statistics.models import EpisodeKpiFacts

SEES_NAMES = "auth.view_user"  # the administrator's right to manage users


def reader_code(user_id: int) -> str:
    """A reader's stable pseudonym: the same user always gets the same code."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"reader:{user_id}".encode(), hashlib.sha256)
    return f"R-{digest.hexdigest()[:6].upper()}"


def sees_reader_names(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(SEES_NAMES))


@dataclass(frozen=True)
class ReaderFigure:
    code: str
    name: str  # "" unless the viewer may see names
    reads: int | str
    arbitrations: int | str
    recall_rate: DisclosedProportion
    accuracy: DecisionFigure
    kappa_with_ai: AgreementFigure
    discordance: AgreementFigure  # with the other reader of the same episodes


def reader_figures(facts: QuerySet[EpisodeKpiFacts], *, viewer: Any) -> list[ReaderFigure]:
    """One figure per reader who signed a first or second read in the selection, by code."""
    readers = reader_counts(facts)
    names = {}
    if sees_reader_names(viewer):
        users = get_user_model().objects.filter(pk__in=list(readers))
        names = {user.pk: user.get_full_name() or user.get_username() for user in users}
    figures = []
    for reader_id, counts in readers.items():
        tally, code = counts.tally, reader_code(reader_id)
        clinical = tally.total
        figures.append(
            ReaderFigure(
                code=code,
                name=names.get(reader_id, ""),
                reads=disclosed(counts.reads),
                arbitrations=disclosed(counts.arbitrations),
                recall_rate=disclosed(proportion(counts.recalls, clinical, per=PERCENT)),
                accuracy=decision_figure(code, code, tally),
                kappa_with_ai=kappa_figure("kappa_reader_ai", "Kappa with the AI", counts.with_ai),
                discordance=share_figure(
                    "discordance",
                    "Discordance with the other reader",
                    discordant(counts.with_other),
                    int(counts.with_other.sum()),
                ),
            )
        )
    return sorted(figures, key=lambda figure: figure.code)
