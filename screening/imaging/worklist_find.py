"""Modality Worklist C-FIND on the DICOM listener: the screening units ask who is scheduled.

Only callers the listener admits reach this (its calling AE allow-list refuses the association
otherwise). The items stream from one query as the modality reads them; a C-CANCEL stops the
stream (status Cancel), a malformed key refuses the query (0xA900), a failing database answers
0xC001 (unable to process). Every query, answered, cancelled, aborted or refused, is audited
once, after its last item, with the calling AE, the names of its keys and the items sent. The
database work runs on the worklist's database threads (worklist_database), which keep their
connections between associations.
"""

import logging
from collections.abc import Iterator
from typing import Any

from pydicom.dataset import Dataset

from screening.imaging.worklist_database import database_call, database_stream
from screening.imaging.worklist_keys import WorklistKeyError, WorklistQuery, worklist_query_parse
from screening.imaging.worklist_selectors import worklist_items, worklist_search_audit

logger = logging.getLogger(__name__)

STATUS_SUCCESS = 0x0000
STATUS_PENDING = 0xFF00
STATUS_CANCEL = 0xFE00
STATUS_IDENTIFIER_MISMATCH = 0xA900
STATUS_UNABLE_TO_PROCESS = 0xC001

FindAnswer = tuple[int, Dataset | None]


def handle_worklist_find(event: Any) -> Iterator[FindAnswer]:
    """C-FIND of the Modality Worklist Information Model: pending items, then the final status."""
    yield from _answer(event, _calling_ae(event))


def _answer(event: Any, calling_ae: str) -> Iterator[FindAnswer]:
    try:
        requested: Dataset = event.identifier
        query = worklist_query_parse(requested)
    except Exception as error:  # a key we cannot read, or an identifier pydicom cannot decode
        refused = str(error)[:120] if isinstance(error, WorklistKeyError) else "unreadable identifier"
        logger.info("Worklist C-FIND from %s refused: %s", calling_ae, refused)
        yield from _audited(calling_ae, None, 0, "refused", STATUS_IDENTIFIER_MISMATCH, refused=refused)
        return
    sent, ended = 0, "completed"
    try:
        for item in database_stream(lambda: worklist_items(query, requested)):
            if event.is_cancelled:
                ended = "cancelled"
                break
            yield STATUS_PENDING, item
            sent += 1
    except GeneratorExit:  # the association ended mid-stream: still audited
        _audit_quietly(calling_ae, query, sent, "aborted")
        raise
    except Exception:
        logger.exception("Worklist C-FIND from %s failed", calling_ae)
        yield from _audited(calling_ae, query, sent, "failed", STATUS_UNABLE_TO_PROCESS, refused="database")
        return
    logger.info("Worklist C-FIND from %s: %s items sent (%s)", calling_ae, sent, ended)
    final = STATUS_CANCEL if ended == "cancelled" else STATUS_SUCCESS
    yield from _audited(calling_ae, query, sent, ended, final)


def _audited(
    calling_ae: str, query: WorklistQuery | None, sent: int, ended: str, status: int, refused: str = ""
) -> Iterator[FindAnswer]:
    """Audit the query, then give its final status; a query that cannot be audited fails."""
    try:
        database_call(
            lambda: worklist_search_audit(
                calling_ae=calling_ae, query=query, matches=sent, ended=ended, refused=refused
            )
        )
    except Exception:
        logger.exception("Worklist C-FIND from %s: the audit failed", calling_ae)
        status = STATUS_UNABLE_TO_PROCESS
    yield status, None


def _audit_quietly(calling_ae: str, query: WorklistQuery, sent: int, ended: str) -> None:
    try:
        database_call(
            lambda: worklist_search_audit(calling_ae=calling_ae, query=query, matches=sent, ended=ended)
        )
    except Exception:
        logger.exception("Worklist C-FIND from %s: the audit failed", calling_ae)


def _calling_ae(event: Any) -> str:
    try:
        return str(event.assoc.requestor.ae_title).strip()
    except AttributeError:
        return "unknown"
