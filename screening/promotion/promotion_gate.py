"""The promotion gate's arithmetic: each criterion's required and observed value and whether it
passed, from the comparison's counts and paired AUC difference (no database)."""

from dataclasses import dataclass
from typing import Any

from screening.statistics.maths.roc import PairedAucDifference

STUDIES, CANCERS, AUC = "studies", "cancers", "auc_not_worse"


@dataclass(frozen=True)
class GateCriteria:
    """A programme's criteria (promotion.models.PromotionCriteria, or its defaults)."""

    minimum_studies: int
    minimum_cancers: int
    auc_margin: float


@dataclass(frozen=True)
class Criterion:
    """One criterion as the page shows it and a promotion event keeps it."""

    key: str
    label: str
    required: float
    observed: float | None
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        return {"required": self.required, "observed": self.observed, "passed": self.passed}


@dataclass(frozen=True)
class GateResult:
    criteria: list[Criterion]

    @property
    def met(self) -> bool:
        return all(criterion.passed for criterion in self.criteria)

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """{criterion: {required, observed, passed}}: what a PromotionEvent records."""
        return {criterion.key: criterion.as_dict() for criterion in self.criteria}


def gate_evaluate(
    *, criteria: GateCriteria, studies: int, cancers: int, auc: PairedAucDifference
) -> GateResult:
    """Enough studies scored by both models, enough known cancers among them, and the shadow's AUC
    not worse than the active model's beyond the margin: the lower limit of the 95% interval of
    AUC(shadow) - AUC(active) at or above -margin (a non-inferiority test; unmet while it cannot be
    estimated)."""
    lower = auc.low if auc.standard_error is not None else None
    return GateResult(
        criteria=[
            Criterion(
                STUDIES,
                "Studies scored by both models",
                criteria.minimum_studies,
                studies,
                studies >= criteria.minimum_studies,
            ),
            Criterion(
                CANCERS,
                "Known cancers among them",
                criteria.minimum_cancers,
                cancers,
                cancers >= criteria.minimum_cancers,
            ),
            Criterion(
                AUC,
                "Lower 95% limit of AUC(shadow) - AUC(active), at least",
                -criteria.auc_margin,
                lower,
                lower is not None and lower >= -criteria.auc_margin,
            ),
        ]
    )
