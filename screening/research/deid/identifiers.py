"""The identifying values of an original file: what the package's canary scan must not find."""

from pathlib import Path

from pydicom import dcmread
from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import DataElement, RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset

from .attribute_actions import (
    DEVICE_KEYWORDS,
    IDENTIFYING_KEYWORDS,
    TagAction,
    tag_action,
    tag_vr,
    uid_is_kept,
)
from .options import DeidOptions


def _strings(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple) or type(value).__name__ == "MultiValue":
        return [str(item) for item in value]  # type: ignore[attr-defined]
    return [str(value)]


def _person_name_forms(name: str) -> set[str]:
    forms = {name}
    for group in name.split("="):
        forms.add(group)
        forms.update(group.split("^"))
    return forms


_BINARY_VRS = ("OB", "OW", "OF", "OD", "OL", "OV", "UN")


def _parsed(dataset: Dataset, raw: DataElement | RawDataElement) -> DataElement:
    """The element's value parsed, without storing it back: an element the dataset holds raw is
    written raw again by deidentify_file, which is much faster than writing it from its value."""
    if isinstance(raw, DataElement):
        return raw
    return convert_raw_data_element(raw, encoding=dataset._character_set, ds=dataset)


def _uids(raw: DataElement | RawDataElement) -> list[str]:
    if isinstance(raw, RawDataElement):  # UIDs are ASCII: read from the bytes, as pydicom would
        text = (raw.value or b"").decode("latin-1")
        return [value.strip("\x00 ") for value in text.split("\\")] if text.strip("\x00 ") else []
    return [value.strip("\x00 ") for value in _strings(raw.value)]


def _collect(
    dataset: Dataset, keywords: frozenset[str], options: DeidOptions, found: set[str], kept: list[str]
) -> None:
    for tag in list(dataset.keys()):
        raw = dataset.get_item(tag)
        vr = raw.VR if raw.VR not in ("UN", None) else (tag_vr(tag) or "UN")
        if vr == "SQ":
            for item in dataset[tag].value or ():
                _collect(item, keywords, options, found, kept)
        elif vr == "PN":
            for name in _strings(_parsed(dataset, raw).value):
                found.update(_person_name_forms(name))
        elif vr == "UI":
            found.update(uid for uid in _uids(raw) if not uid_is_kept(tag, uid))
        elif keyword_for_tag(tag) in keywords:
            found.update(_strings(_parsed(dataset, raw).value))
        elif vr not in _BINARY_VRS and tag_action(tag, options) is TagAction.KEEP:
            kept.extend(_strings(_parsed(dataset, raw).value))


def identifiers_of(src: Path, options: DeidOptions | None = None) -> set[str]:
    """Names (and their parts), ids, birth date, UIDs, accession, institution, device ids of a file.

    A value that the profile keeps elsewhere in the same file (a station named like its
    manufacturer, a name part that is also an image type) cannot be told from it by a byte scan,
    so it is left out.
    """
    return identifiers_in(dcmread(src, stop_before_pixels=True), options or DeidOptions())


def identifiers_in(dataset: Dataset, options: DeidOptions) -> set[str]:
    """identifiers_of for a dataset already read (deidentify_file's, before it is cleaned)."""
    keywords = (
        IDENTIFYING_KEYWORDS if options.retain_device_identity else IDENTIFYING_KEYWORDS | DEVICE_KEYWORDS
    )
    found: set[str] = set()
    kept: list[str] = []
    _collect(dataset, keywords, options, found, kept)
    _collect(getattr(dataset, "file_meta", Dataset()), keywords, options, found, kept)
    kept_text = "\n".join(kept).casefold()
    values = {value.strip(" \x00") for value in found}
    return {value for value in values if value and value.casefold() not in kept_text}
