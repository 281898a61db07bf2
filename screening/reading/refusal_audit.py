"""Refused clinical acts (claim, sign, amend, skip, release) leave an audit event of the denial.

The act runs in its own transaction inside `refusals_audited`; when it is refused, that
transaction has rolled back before the denial is written, so the denial is committed on its own
(call the services outside a transaction of yours, as the pages and the API do, or the denial
shares your transaction's fate). Only refusals are audited here: a refused person or password, or
a read they may not take now; an incomplete opinion is an input error, answered on the form.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditOutcome

READ_SLOT = "read_slot"


class ReadRefused(ValidationError):
    """A clinical act refused by the reading rules (not an input error): audited as a denial."""


class PasswordRefused(ReadRefused):
    """The signer's password did not match."""


class PasswordLockedOut(PasswordRefused):
    """Too many wrong passwords (at signing or at log-in): refused even when right."""


@contextmanager
def refusals_audited(
    *, actor: Actor, act: str, slot_id: int | None, study_id: int | None = None
) -> Iterator[None]:
    """Run a clinical act; if it is refused, record the denial (committed) and re-raise."""
    try:
        yield
    except (PermissionDenied, ReadRefused) as refusal:
        audit_record(
            actor=actor,
            action=AuditAction.ACCESS,
            object_type=READ_SLOT,
            object_id=slot_id if slot_id is not None else "",
            outcome=AuditOutcome.DENIED,
            detail={"act": act, "refusal": _refusal_code(refusal)}
            | ({"study": study_id} if study_id is not None else {}),
        )
        raise


def _refusal_code(refusal: Exception) -> str:
    if isinstance(refusal, PasswordLockedOut):
        return "locked_out"
    if isinstance(refusal, PasswordRefused):
        return "password"
    if isinstance(refusal, PermissionDenied):
        return "not_permitted"
    return "refused"
