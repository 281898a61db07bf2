"""NHS numbers for synthetic participants (modulus 11, as in screening.patients.identifiers).

Re-implemented here because ``inference`` never imports ``screening``.
"""

import numpy as np


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None when none exists (remainder 10)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else check


def nhs_number_is_valid(number: str) -> bool:
    """Ten digits, the last the modulus-11 check digit of the others."""
    return len(number) == 10 and number.isdigit() and nhs_check_digit(number[:9]) == int(number[9])


def synthetic_nhs_number(rng: np.random.Generator) -> str:
    """A valid NHS number in the 999 range, which is reserved for test data and never issued."""
    while True:
        first_nine = f"999{int(rng.integers(0, 10**6)):06d}"
        check = nhs_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"
