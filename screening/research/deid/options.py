"""The de-identification options a research export is requested with (PS3.15 Table E.1-1 columns)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DeidOptions:
    """Which PS3.15 options apply on top of the Basic Application Level Confidentiality Profile."""

    retain_dates_shifted: bool = False  # Retain Longitudinal Temporal Information with Modified Dates
    retain_patient_characteristics: bool = False  # age, sex, size, weight, ...
    retain_device_identity: bool = False
    ocr_check: bool = True  # withhold files whose exported pixels show text to tesseract
