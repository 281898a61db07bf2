"""C-STORE requests of concurrent associations stored together, each answered only once committed.

pynetdicom answers each C-STORE synchronously in its association's thread, and a peer sends its
next store only after the answer, so an association never has two stores waiting and a success
status must mean the instance is durably stored. What concurrent associations can share is the
commit. Each store is validated and its metadata read in its own association's thread (pure work,
overlapping the batch being committed); then a store that arrives while another batch is being
stored waits; the first of the waiting
threads to run next takes every store waiting (up to ``max_batch``) and stores them as one intake
batch (one transaction, one audit append, one commit). Every thread answers its peer only after
the batch holding its store has committed. A store alone is a batch of one.

If a batch of several fails as a whole, each of its stores is retried alone, so one peer's bad
luck does not become another's error.
"""

import threading
from dataclasses import dataclass
from pathlib import Path

from screening.core.actors import Actor
from screening.imaging.batch_ingestion import AcceptedFile, Refusal, intake_file_read, read_files_ingest
from screening.imaging.dicom_validation import DicomRejection, IntakeLimits, size_check
from screening.imaging.intake_outcomes import IngestOutcome, IntakeFile
from screening.imaging.intake_signals import studies_collected
from screening.imaging.models import IntakeSource

DEFAULT_MAX_BATCH = 32


@dataclass
class _Store:
    actor: Actor
    sender: str
    read: AcceptedFile | Refusal
    outcome: IngestOutcome | None = None
    error: BaseException | None = None
    done: bool = False


class StoreGroupCommit:
    """Stores waiting at the same moment go through intake as one batch (see the module's docstring)."""

    def __init__(self, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        self.max_batch = max_batch
        self._condition = threading.Condition()
        self._waiting: list[_Store] = []
        self._storing = False

    def ingest_file(self, *, actor: Actor, sender: str, path: Path) -> IngestOutcome:
        """Store one C-STORE dataset received to a file (Part 10); returns once its batch has committed.

        A file over the size limit is refused without being read into memory."""
        limits = IntakeLimits.from_settings()
        size = path.stat().st_size
        try:
            size_check(size, limits)
        except DicomRejection as rejection:
            return self._ingest(actor, sender, Refusal(0, "", b"", rejection, size=size))
        read = intake_file_read(IntakeFile(data=path.read_bytes()), limits=limits)
        return self._ingest(actor, sender, read)

    def _ingest(self, actor: Actor, sender: str, read: AcceptedFile | Refusal) -> IngestOutcome:
        store = _Store(actor=actor, sender=sender, read=read)
        with self._condition:
            self._waiting.append(store)
            while self._storing and not store.done:
                self._condition.wait()
            leading = not store.done
            if leading:
                self._storing = True
                batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
        if leading:
            try:
                _batch_store(batch)
            finally:
                with self._condition:
                    self._storing = False
                    self._condition.notify_all()
        if store.error is not None:
            raise store.error
        assert store.outcome is not None
        return store.outcome


def _batch_store(batch: list[_Store]) -> None:
    """Store each group of the batch (same actor and calling AE title) as one intake batch."""
    groups: dict[tuple[str, str], list[_Store]] = {}
    for store in batch:
        groups.setdefault((store.actor.username, store.sender), []).append(store)
    for stores in groups.values():
        try:
            _group_store(stores)
        except Exception as error:
            if len(stores) == 1:
                stores[0].error = error
            else:
                _stores_alone(stores)
        finally:
            for store in stores:
                if store.outcome is None and store.error is None:
                    store.error = RuntimeError("The store was not completed.")
                store.done = True


def _stores_alone(stores: list[_Store]) -> None:
    """After a batch failed as a whole: each store alone, so a failure is only its own."""
    for store in stores:
        try:
            _group_store([store])
        except Exception as error:
            store.error = error


def _group_store(stores: list[_Store]) -> None:
    first = stores[0]
    # The listener announces each association's studies when it ends, not each batch's.
    with studies_collected():
        outcomes = read_files_ingest(
            actor=first.actor,
            source=IntakeSource.CSTORE,
            read=[store.read for store in stores],
            sender=first.sender,
        )
    for store, outcome in zip(stores, outcomes, strict=True):
        store.outcome = outcome
