"""How many radiologists each reading policy needs, so that every read it opens has a reader."""

from collections.abc import Iterable

from django.contrib.auth.models import User

from screening.campaigns.models import ReadingPolicy
from screening.core.roles import role_grants

SIGN_PERMISSION = "reading.sign_read"

# Distinct radiologists a policy needs so that every read it can open has someone to take it. A
# reader never takes two reads of one study, so double reading needs two readers and an
# arbitrator who read neither. The AI as second reader needs the reader and an arbitrator, and a
# study without an AI score (no AI consent, AI off, no result) falls back to a second human reader
# and then arbitration: three, as double reading.
RADIOLOGISTS_NEEDED: dict[str, int] = {
    ReadingPolicy.SINGLE: 1,
    ReadingPolicy.DOUBLE_BLIND: 3,
    ReadingPolicy.AI_SECOND_READER: 3,
}
_NEEDED_IN_WORDS: dict[str, str] = {
    ReadingPolicy.SINGLE: "one radiologist",
    ReadingPolicy.DOUBLE_BLIND: "three radiologists (two readers and an arbitrator)",
    ReadingPolicy.AI_SECOND_READER: (
        "three radiologists (the reader, an arbitrator, and a second reader for studies without an AI score)"
    ),
}


def is_radiologist(user: User) -> bool:
    """A user whose role reads studies (an active radiologist)."""
    return role_grants(user, SIGN_PERMISSION)


def staff_shortfall(*, reading_policy: str, staff: Iterable[User]) -> str:
    """Why these staff cannot read under this policy, or "" when they can."""
    radiologists = sum(1 for user in staff if is_radiologist(user))
    needed = RADIOLOGISTS_NEEDED[reading_policy]
    if radiologists >= needed:
        return ""
    label = ReadingPolicy(reading_policy).label.lower()
    return (
        f"{label.capitalize()} needs {_NEEDED_IN_WORDS[reading_policy]} among the assigned staff; "
        f"{radiologists} {'is' if radiologists == 1 else 'are'} assigned."
    )
