"""Cells of a CSV a person may open in a spreadsheet: text that would run as a formula is defused."""

# OWASP's list: a cell starting with one of these is read as a formula (or DDE) by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """The value, or for text that a spreadsheet would run, the text behind a leading apostrophe;
    numbers (negative ones too) stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
