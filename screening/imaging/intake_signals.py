"""Intake tells later stages which studies received images: once per batch, not once per file.

A batch is what one sender hands over at once: an upload request (files or an archive), a REST
upload, a STOW-RS request, a C-STORE association. Later stages (inference jobs) listen to
``studies_received`` to decide whether a study is complete enough to act on; the signal is sent
after the batch's rows are committed, with ``study_ids`` (a frozenset of Study primary keys).
Reconciliation sends it too when it attaches a study to an episode. The receivers share one read
of the studies, made after the commit (``studies``: ``ReceivedStudies``).
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import Signal

from screening.core.compiled_sql import compiled_rows
from screening.imaging.models import Study

studies_received = Signal()

_batch: ContextVar[set[int] | None] = ContextVar("intake_batch", default=None)


@contextmanager
def intake_batch() -> Iterator[None]:
    """Collect the studies that receive images inside the block; announce them once at its end."""
    if _batch.get() is not None:  # already inside a batch: the outer one announces
        yield
        return
    token = _batch.set(set())
    try:
        yield
    finally:
        study_ids = _batch.get() or set()
        _batch.reset(token)
        studies_announce(study_ids)


@contextmanager
def studies_collected() -> Iterator[set[int]]:
    """Collect the studies that receive images inside the block without announcing them: the caller
    announces them itself (the C-STORE listener, once per association)."""
    collected: set[int] = set()
    token = _batch.set(collected)
    try:
        yield collected
    finally:
        _batch.reset(token)


def study_received(study_id: int) -> None:
    """A study received an image: remembered for the batch's end, or announced now outside a batch."""
    batch = _batch.get()
    if batch is None:
        studies_announce([study_id])
    else:
        batch.add(study_id)


def studies_announce(study_ids: Iterable[int]) -> None:
    """Send ``studies_received`` once the current transaction (if any) commits."""
    ids = frozenset(study_ids)
    if ids:
        transaction.on_commit(
            lambda: studies_received.send(sender=intake_batch, study_ids=ids, studies=ReceivedStudies(ids))
        )


class ReceivedStudies:
    """The announced studies as they stand after the commit, read once for every receiver (each
    receiver read them again before: a quarter of a one-file upload's CPU), newest first, each with
    its episode, campaign and programme (an unmatched study's episode is None)."""

    def __init__(self, study_ids: frozenset[int]) -> None:
        self.study_ids = study_ids
        self._rows: list[Study] | None = None

    def rows(self) -> list[Study]:
        if self._rows is None:
            ids = sorted(self.study_ids)
            self._rows = compiled_rows("received studies", _studies_with_episodes, {"ids": ids})
        return self._rows


def _studies_with_episodes(values: Mapping[str, Any]) -> QuerySet[Study]:
    studies = Study.objects.filter(id__in=values["ids"]).order_by("-created_at")
    return studies.select_related("episode__campaign__programme")
