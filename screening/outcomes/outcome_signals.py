"""Outcomes tell later stages when an episode's outcome records changed, so that what they derive
from them (the statistics' truth per episode) stays true.

``outcomes_changed`` is sent inside the transaction of every new outcome record (kwargs:
``episode_ids``, the episodes whose assessment, pathology or linked diagnoses changed): a record, a
correction, a withdrawal, a registry import, a queued row resolved. Receivers update what they keep
in the same transaction: it commits with the change, or neither does.
"""

from collections.abc import Iterable

from django.dispatch import Signal

outcomes_changed = Signal()


def outcomes_changed_send(episode_ids: Iterable[int | None]) -> None:
    """Announce that these episodes' outcomes changed (inside the change's transaction)."""
    ids = sorted({int(pk) for pk in episode_ids if pk is not None})
    if ids:
        outcomes_changed.send(sender=None, episode_ids=ids)
