"""The identifying values of an original file: what the package's canary scan must not find."""

from pathlib import Path

from pydicom import dcmread
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


def _collect(
    dataset: Dataset, keywords: frozenset[str], options: DeidOptions, found: set[str], kept: list[str]
) -> None:
    for element in dataset:
        vr = element.VR if element.VR not in ("UN", None) else (tag_vr(element.tag) or "UN")
        if vr == "SQ":
            for item in element.value or ():
                _collect(item, keywords, options, found, kept)
        elif vr == "PN":
            for name in _strings(element.value):
                found.update(_person_name_forms(name))
        elif vr == "UI":
            uids = (value.strip("\x00 ") for value in _strings(element.value))
            found.update(uid for uid in uids if not uid_is_kept(element.tag, uid))
        elif element.keyword in keywords:
            found.update(_strings(element.value))
        elif (
            vr not in ("OB", "OW", "OF", "OD", "OL", "OV", "UN")
            and tag_action(element.tag, options) is TagAction.KEEP
        ):
            kept.extend(_strings(element.value))


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
