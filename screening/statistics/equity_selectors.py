"""Everything the subgroup equity page, its CSV and its API answer show, for one user, one set of
filters, one AI model version (optional) and one breakdown."""

from dataclasses import dataclass
from typing import Any

from screening.statistics.accuracy_selectors import selection
from screening.statistics.dashboard_charts import Chart
from screening.statistics.equity_counts import equity_counts, equity_groups, overall_counts
from screening.statistics.equity_figures import EquityFigure, equity_chart, equity_figures
from screening.statistics.kpi_scope import KpiFilters

DEFAULT_EQUITY_GROUP = "age_band"


@dataclass(frozen=True)
class EquityBoard:
    group_by: str
    label: str
    overall: EquityFigure
    groups: list[EquityFigure]
    charts: list[Chart]

    @property
    def flagged(self) -> list[EquityFigure]:
        return [figure for figure in self.groups if figure.flagged]


def equity_board(
    *, user: Any, filters: KpiFilters, model: str = "", group: str = DEFAULT_EQUITY_GROUP
) -> EquityBoard:
    """The equity figures of the selection by `group` (two grouped queries)."""
    label = equity_groups()[group]
    counts = equity_counts(selection(user=user, filters=filters, model=model), by=group)
    overall, figures = equity_figures(counts, overall_counts(counts))
    return EquityBoard(group, label, overall, figures, [equity_chart(overall, figures, label)])
