"""A pynetdicom modality asking the listener's modality worklist, and worklist query identifiers."""

import threading

from pydicom.dataset import Dataset
from pynetdicom.sop_class import ModalityWorklistInformationFind  # type: ignore[attr-defined]

from tests.imaging.listener_helpers import LISTENER_AE, scu

RETURN_KEYS = (
    "PatientName",
    "PatientID",
    "IssuerOfPatientID",
    "PatientBirthDate",
    "PatientSex",
    "AccessionNumber",
    "StudyInstanceUID",
    "RequestedProcedureDescription",
)
STEP_KEYS = ("Modality", "ScheduledStationAETitle", "ScheduledProcedureStepStartDate")


def worklist_query(step: dict[str, str] | None = None, **keys: str) -> Dataset:
    """An identifier asking every return key, with these matching keys (top level and in the step)."""
    identifier = Dataset()
    for keyword in RETURN_KEYS:
        setattr(identifier, keyword, keys.pop(keyword, ""))
    for keyword, value in keys.items():
        setattr(identifier, keyword, value)
    item = Dataset()
    for keyword in STEP_KEYS:
        setattr(item, keyword, (step or {}).get(keyword, ""))
    identifier.ScheduledProcedureStepSequence = [item]
    return identifier


def worklist_find(
    port: int,
    identifier: Dataset,
    calling_ae: str = "MODALITY1",
    *,
    cancel_after: int | None = None,
    cancel_sent: threading.Event | None = None,
) -> tuple[int | None, list[Dataset]]:
    """The final status and the items of one C-FIND; None when the association is refused.

    With `cancel_after`, a C-CANCEL is sent once that many items arrived, then `cancel_sent` is set.
    """
    ae = scu(calling_ae, contexts=[(ModalityWorklistInformationFind, ["1.2.840.10008.1.2.1"])])
    assoc = ae.associate("127.0.0.1", port, ae_title=LISTENER_AE)
    if not assoc.is_established:
        return None, []
    items: list[Dataset] = []
    final: int | None = None
    context_id = next(
        c.context_id for c in assoc.accepted_contexts if c.abstract_syntax == ModalityWorklistInformationFind
    )
    for status, found in assoc.send_c_find(identifier, ModalityWorklistInformationFind, msg_id=7):
        if status is None or "Status" not in status:
            break
        if status.Status in (0xFF00, 0xFF01):
            items.append(found)
            if cancel_after is not None and len(items) == cancel_after:
                assoc.send_c_cancel(7, context_id)
                if cancel_sent is not None:
                    cancel_sent.set()
        else:
            final = status.Status
    assoc.release()
    return final, items
