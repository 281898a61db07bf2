"""Device cleaning rules: where a known device burns text into its images, and how to blank it.

A file at risk of burned-in text (see `burned_in_guard`) is exported only when a rule for its
manufacturer and model exists; the rule's rectangles are blanked in the pixels before the OCR check
looks at them. No rule ships enabled: a site adds one after checking the device's screens itself.
"""

from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset


@dataclass(frozen=True)
class Rectangle:
    """Pixel rectangle, columns [left, right) and rows [top, bottom)."""

    left: int
    top: int
    right: int
    bottom: int


@dataclass(frozen=True)
class CleaningRule:
    """The text areas of one device model (matched on Manufacturer and Manufacturer's Model Name)."""

    manufacturer: str
    model_name: str
    rectangles: tuple[Rectangle, ...]


CLEANING_RULES: tuple[CleaningRule, ...] = ()


def _text(dataset: Dataset, keyword: str) -> str:
    return str(dataset.get(keyword, "") or "").strip().casefold()


def cleaning_rule_for(dataset: Dataset, rules: tuple[CleaningRule, ...]) -> CleaningRule | None:
    """The rule for the dataset's device, when one exists."""
    manufacturer, model = _text(dataset, "Manufacturer"), _text(dataset, "ManufacturerModelName")
    for rule in rules:
        if rule.manufacturer.casefold() == manufacturer and rule.model_name.casefold() == model:
            return rule
    return None


def blank_rectangles(dataset: Dataset, rule: CleaningRule) -> None:
    """Set the rule's rectangles to the lowest stored value, in every frame (the file is decompressed)."""
    if dataset.file_meta.TransferSyntaxUID.is_compressed:
        dataset.decompress()  # blanking needs native pixels; the file is written uncompressed
    pixels = dataset.pixel_array.copy()
    frames = pixels if int(dataset.get("NumberOfFrames", 1) or 1) > 1 else pixels[np.newaxis]
    for rectangle in rule.rectangles:
        frames[:, rectangle.top : rectangle.bottom, rectangle.left : rectangle.right] = frames.min()
    dataset.PixelData = pixels.tobytes()
