"""What a structured opinion must say for its programme, and when two opinions agree.

No database access: the programme's categories (with their `recall` flag) and `results_per_side`
come from `campaigns.programme_definitions`; the finding locations are declared here per
modality, so a new programme gets the generic location until it declares its own.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from screening.campaigns.models import EpisodeResult, Programme
from screening.reading.models import AiAgreement, FindingSide

STUDY = "study"
SIDES = (FindingSide.RIGHT.value, FindingSide.LEFT.value)

BREAST_QUADRANTS = ["UOQ", "UIQ", "LOQ", "LIQ", "central", "retroareolar", "axillary_tail"]
BREAST_DEPTHS = ["anterior", "middle", "posterior"]
LUNG_LOBES = ["RUL", "RML", "RLL", "LUL", "lingula", "LLL"]
NODULE_TYPES = ["solid", "part_solid", "ground_glass", "calcified"]

# Location fields a finding needs, per modality (the generic rule needs only a description).
FINDING_LOCATION: dict[str, dict[str, Any]] = {
    "MG": {
        "required": ["side"],
        "one_of": ["quadrant", "clock_face"],
        "choices": {"quadrant": BREAST_QUADRANTS, "depth": BREAST_DEPTHS},
    },
    "CT": {
        "required": ["lobe", "size_mm", "nodule_type"],
        "one_of": [],
        "choices": {"lobe": LUNG_LOBES, "nodule_type": NODULE_TYPES},
    },
}
GENERIC_LOCATION: dict[str, Any] = {"required": ["description"], "one_of": [], "choices": {}}


@dataclass(frozen=True)
class FindingInput:
    """A finding as a reader records it; which fields count depends on the programme."""

    category: str = ""
    side: str = ""
    quadrant: str = ""
    clock_face: int | None = None
    depth: str = ""
    lobe: str = ""
    size_mm: float | None = None
    nodule_type: str = ""
    description: str = ""


@dataclass(frozen=True)
class OpinionInput:
    """A structured opinion before it is signed."""

    result: str
    categories: dict[str, str] = field(default_factory=dict)
    findings: list[FindingInput] = field(default_factory=list)
    ai_agreement: str = ""
    ai_disagreement_reason: str = ""
    comment: str = ""


def category_sides(programme: Programme) -> tuple[str, ...]:
    """Where categories are given: per breast ("R", "L") or once per study."""
    return SIDES if programme.results_per_side else (STUDY,)


def category_codes(programme: Programme) -> dict[str, bool]:
    """The programme's category codes with their recall flag."""
    return {str(c["code"]): bool(c.get("recall")) for c in programme.result_categories}


def opinion_errors(*, programme: Programme, opinion: OpinionInput, ai_shown: bool) -> ValidationError | None:
    """Why this opinion cannot be signed for this programme, field by field; None when it can."""
    errors: dict[str, list[str]] = {}
    if opinion.result not in EpisodeResult.values:
        errors["result"] = ["Choose routine recall, technical recall or recall for assessment."]
    codes = category_codes(programme)
    sides = category_sides(programme)
    given = {side: code for side, code in opinion.categories.items() if code}
    unknown_sides = set(given) - set(sides)
    if unknown_sides:
        errors["categories"] = [f"Categories are given for {', '.join(sides)}, not {sorted(unknown_sides)}."]
    elif any(code not in codes for code in given.values()):
        errors["categories"] = ["Unknown category for this programme."]
    elif opinion.result != EpisodeResult.TECHNICAL_RECALL and set(given) != set(sides):
        errors["categories"] = [f"Give a category for each of: {', '.join(sides)}."]
    elif opinion.result in EpisodeResult.values:
        recalls = any(codes[code] for code in given.values())
        if opinion.result == EpisodeResult.ROUTINE and recalls:
            errors["result"] = ["A category that needs recall does not go with a routine result."]
        if opinion.result == EpisodeResult.RECALL and not recalls:
            errors["result"] = ["Recall for assessment needs a category that calls for recall."]
    finding_messages = [
        f"Finding {n}: {message}"
        for n, finding in enumerate(opinion.findings, start=1)
        for message in _finding_errors(programme, finding, codes)
    ]
    if finding_messages:
        errors["findings"] = finding_messages
    if opinion.ai_agreement not in AiAgreement.values:
        errors["ai_agreement"] = ["Agree, disagree, or leave empty."]
    elif opinion.ai_agreement and not ai_shown:
        errors["ai_agreement"] = ["The AI result was not shown during this read."]
    elif opinion.ai_agreement == AiAgreement.DISAGREE and not opinion.ai_disagreement_reason.strip():
        errors["ai_disagreement_reason"] = ["Say why you disagree with the AI."]
    return ValidationError(errors) if errors else None


def _finding_errors(programme: Programme, finding: FindingInput, codes: dict[str, bool]) -> list[str]:
    rule = FINDING_LOCATION.get(programme.modality, GENERIC_LOCATION)
    messages = [
        f"{name.replace('_', ' ')} is required." for name in rule["required"] if not _given(finding, name)
    ]
    if rule["one_of"] and not any(_given(finding, name) for name in rule["one_of"]):
        messages.append(f"give one of: {', '.join(rule['one_of'])}.")
    for name, choices in rule["choices"].items():
        value = getattr(finding, name)
        if value and value not in choices:
            messages.append(f"{name.replace('_', ' ')} must be one of {', '.join(choices)}.")
    if finding.side and finding.side not in SIDES:
        messages.append("side must be R or L.")
    if finding.clock_face is not None and not 1 <= finding.clock_face <= 12:
        messages.append("clock face is 1 to 12.")
    if finding.size_mm is not None and not 0 < finding.size_mm < 500:
        messages.append("size is in millimetres, above 0.")
    if finding.category and finding.category not in codes:
        messages.append("unknown category.")
    return messages


def _given(finding: FindingInput, name: str) -> bool:
    value = getattr(finding, name)
    return value is not None and value != ""


@dataclass(frozen=True)
class OpinionSummary:
    """What the agreement rule compares: the result and which sides call for recall."""

    result: str
    recall_sides: frozenset[str]


def opinion_summary(*, programme: Programme, result: str, categories: dict[str, str]) -> OpinionSummary:
    codes = category_codes(programme)
    return OpinionSummary(
        result=result, recall_sides=frozenset(side for side, code in categories.items() if codes.get(code))
    )


def concordant_result(first: OpinionSummary, second: OpinionSummary) -> str | None:
    """The agreed result of two reads, or None when they disagree and need arbitration.

    Same result and, when recalling, the same sides (a category difference that does not cross
    the recall flag is agreement). A technical recall beside a recall is a recall: assessment
    repeats the imaging. A technical recall beside a routine read is a disagreement.
    """
    results = {first.result, second.result}
    if results == {EpisodeResult.TECHNICAL_RECALL, EpisodeResult.RECALL}:
        return EpisodeResult.RECALL
    if first.result != second.result:
        return None
    if first.result == EpisodeResult.RECALL and first.recall_sides != second.recall_sides:
        return None
    return first.result


def ai_concordant_result(*, reader: OpinionSummary, ai_recall: bool) -> str | None:
    """A human read beside the AI at the campaign's high threshold: the result, or None to arbitrate.

    The AI does not judge image quality, so a reader's technical recall stands.
    """
    if reader.result == EpisodeResult.TECHNICAL_RECALL:
        return EpisodeResult.TECHNICAL_RECALL
    if (reader.result == EpisodeResult.RECALL) == ai_recall:
        return reader.result
    return None
