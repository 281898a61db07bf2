"""Apply the per-tag actions to a dataset and every sequence item inside it."""

import datetime
from dataclasses import dataclass

from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag

from .attribute_actions import TagAction, tag_action, tag_vr, uid_is_kept
from .options import DeidOptions
from .pseudonyms import Pseudonymiser

# PS3.15 'D': a non-empty dummy value of the VR (none of the table's D attributes is a CS). Text
# dummies are a single letter, too short to be taken for a canary (a word like ANONYMOUS would be,
# where a site's original names hold ANON).
_DUMMIES: dict[str, object] = {
    "AE": "X",
    "AS": "000Y",
    "DA": "19000101",
    "DS": "0",
    "DT": "19000101000000",
    "IS": "0",
    "LO": "X",
    "LT": "X",
    "OB": b"\x00\x00",
    "PN": "X^X",
    "SH": "X",
    "ST": "X",
    "TM": "000000",
    "UC": "X",
    "UT": "X",
}


@dataclass(frozen=True)
class CleaningContext:
    """What the cleaner needs besides the dataset: options, keyed UIDs and this participant's offset."""

    options: DeidOptions
    pseudonymiser: Pseudonymiser
    date_offset: datetime.timedelta


def _shift_date(value: str, offset: datetime.timedelta) -> str | None:
    """A DA (or a DT's date part) moved by the offset; None when it is not a full date."""
    digits = value.strip()
    if len(digits) < 8 or not digits[:8].isdigit():
        return None
    try:
        moved = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])) + offset
    except (ValueError, OverflowError):
        return None
    return moved.strftime("%Y%m%d") + digits[8:]


def _values(element: DataElement) -> list[str]:
    value = element.value
    if value is None or value == "":
        return []
    if isinstance(value, MultiValue | list | tuple):
        return [str(item) for item in value]
    return [str(value)]


def _ascii_values(dataset: Dataset, tag: BaseTag) -> tuple[str, list[str]]:
    """VR and values of a UI, DA or DT element, from its raw bytes when pydicom has not parsed it.

    Parsing through pydicom costs more than the whole action, and these VRs are plain ASCII.
    """
    raw = dataset.get_item(tag)
    if isinstance(raw, RawDataElement):
        vr = raw.VR if raw.VR not in (None, "UN") else (tag_vr(tag) or "UN")
        text = (raw.value or b"").decode("latin-1").strip("\x00 ")
        return vr, [value.strip("\x00 ") for value in text.split("\\")] if text else []
    return raw.VR, [value.strip("\x00 ") for value in _values(raw)]


def _store(dataset: Dataset, tag: BaseTag, vr: str, values: list[str]) -> None:
    dataset[tag] = DataElement(tag, vr, values if len(values) > 1 else (values[0] if values else None))


def _shift_element(dataset: Dataset, tag: BaseTag, offset: datetime.timedelta) -> None:
    vr, values = _ascii_values(dataset, tag)
    shifted = [_shift_date(value, offset) for value in values]
    if any(value is None for value in shifted):
        del dataset[tag]  # a partial or broken date cannot be shifted: it goes
        return
    _store(dataset, tag, vr, [value for value in shifted if value is not None])


def _replace_uids(dataset: Dataset, tag: BaseTag, pseudonymiser: Pseudonymiser) -> None:
    vr, values = _ascii_values(dataset, tag)
    _store(
        dataset, tag, vr, [value if uid_is_kept(tag, value) else pseudonymiser.uid(value) for value in values]
    )


def _empty_or_dummy(dataset: Dataset, tag: BaseTag, dummy: bool) -> None:
    raw = dataset.get_item(tag)
    vr = raw.VR if raw.VR not in (None, "UN") and " or " not in raw.VR else None
    if vr is None:
        vr = dataset[tag].VR  # implicit VR, unknown (UN) or ambiguous: let pydicom decide
    if vr == "SQ":
        dataset[tag] = DataElement(tag, vr, Sequence())
        return
    value = _DUMMIES.get(vr) if dummy else None
    dataset[tag] = DataElement(tag, vr, value)


def clean_dataset(dataset: Dataset, context: CleaningContext) -> None:
    """De-identify the dataset in place, recursing into the sequences that stay."""
    options = context.options
    for tag in list(dataset.keys()):
        action = tag_action(tag, options)
        if action is TagAction.KEEP:
            continue
        if action is TagAction.REMOVE:
            del dataset[tag]
            continue
        if action is TagAction.CLEAN_ITEMS:
            for item in dataset[tag].value or ():
                clean_dataset(item, context)
        elif action is TagAction.REPLACE_UID:
            _replace_uids(dataset, tag, context.pseudonymiser)
        elif action is TagAction.SHIFT_DATE:
            _shift_element(dataset, tag, context.date_offset)
        else:
            _empty_or_dummy(dataset, tag, dummy=action is TagAction.DUMMY)
