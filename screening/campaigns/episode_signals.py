"""Campaigns tell later stages when episodes changed, so that what they derive from episodes stays true.

``episodes_changed`` is sent inside the transaction of every change to an episode's pathway
(kwargs: ``episode_ids``, the episodes whose status, result, invitation, images or history
changed): a step, a result the reads issued or changed, a review opened, images withdrawn, an
opt-out, a bulk invitation. Receivers (the statistics' per-episode KPI facts) update what they
keep from the episodes in the same transaction: it commits with the change, or neither does.
"""

from collections.abc import Iterable

from django.dispatch import Signal

episodes_changed = Signal()


def episodes_changed_send(episode_ids: Iterable[int]) -> None:
    """Announce that these episodes changed (inside the change's transaction)."""
    ids = sorted({int(pk) for pk in episode_ids})
    if ids:
        episodes_changed.send(sender=None, episode_ids=ids)
