"""Widgets shared by the forms of every app."""

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"


class DatePickerInput(forms.DateInput):
    """A browser date picker: ``<input type=date>`` reads and writes only ISO dates, whatever the locale."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)
