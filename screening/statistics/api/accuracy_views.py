"""Statistics API: outcome KPIs, accuracy against the truth and readers, disclosed as on the pages."""

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from screening.statistics.accuracy_filter_input import (
    AccuracyFilterInput,
    accuracy_filters_read,
    accuracy_group_read,
    accuracy_query,
)
from screening.statistics.accuracy_selectors import accuracy_board, outcomes_board, readers_board
from screening.statistics.api.accuracy_serializers import AccuracyOutput, OutcomesOutput, ReadersOutput
from screening.statistics.api.views import StatisticsView
from screening.statistics.maths.disclosure import disclosed
from screening.statistics.maths.proportions import proportion


class AccuracyStatisticsView(StatisticsView):
    def accuracy_filters(self, request: Request) -> tuple[Any, str, dict[str, str]]:
        filters, model, errors = accuracy_filters_read(request.query_params, user=request.user)
        if errors:
            raise ValidationError(errors)
        return filters, model, accuracy_query(filters, model)


@extend_schema(tags=["statistics"])
class OutcomesView(AccuracyStatisticsView):
    @extend_schema(
        operation_id="statistics_outcomes", parameters=[AccuracyFilterInput], responses=OutcomesOutput
    )
    def get(self, request: Request) -> Response:
        """Cancer detection rates, PPV of recall, biopsy, interval cancer and false-positive rates,
        Lung-RADS categories; unknowns beside each figure, small counts suppressed."""
        filters, model, query = self.accuracy_filters(request)
        board = outcomes_board(user=request.user, filters=filters, model=model)
        body = {
            "filters": query,
            "truths": board.truths,
            "figures": board.figures,
            "lung_rads": board.lung_rads,
        }
        return Response(OutcomesOutput(body).data)


@extend_schema(tags=["statistics"])
class AccuracyView(AccuracyStatisticsView):
    @extend_schema(
        operation_id="statistics_accuracy", parameters=[AccuracyFilterInput], responses=AccuracyOutput
    )
    def get(self, request: Request) -> Response:
        """Sensitivity and specificity of each decision (readers, final, AI), AUC with DeLong CI and
        ROC curve, calibration, agreement, discordance and arbitration rates; the final decision's and
        the AI's accuracy per `group` (age band, round, vendor, site or model version)."""
        filters, model, query = self.accuracy_filters(request)
        group, errors = accuracy_group_read(request.query_params)
        if errors:
            raise ValidationError(errors)
        board = accuracy_board(user=request.user, filters=filters, model=model, group=group)
        calibration = [
            {
                "label": figure.label,
                "ece": figure.ece,
                "note": figure.note,
                "bins": [_bin(bin_) for bin_ in figure.bins],
            }
            for figure in board.calibration
        ]
        auc = asdict(board.auc) | {
            "curve": [[x, y, None if t == float("inf") else t] for x, y, t in board.auc.curve]
        }
        body = {
            "filters": query,
            "truths": board.truths,
            "decisions": board.decisions,
            "auc": auc,
            "calibration": calibration,
            "agreement": board.agreement,
            "group_by": board.group_by,
            "groups": board.groups,
        }
        return Response(AccuracyOutput(body).data)


def _bin(bin_: Any) -> dict[str, Any]:
    observed = disclosed(proportion(bin_.observed.numerator, bin_.observed.denominator, per=100))
    predicted = None if observed.suppressed else round(bin_.mean_predicted * 100, 1)
    return {"lower": bin_.lower, "upper": bin_.upper, "mean_predicted": predicted, "observed": observed}


@extend_schema(tags=["statistics"])
class ReadersView(AccuracyStatisticsView):
    @extend_schema(
        operation_id="statistics_readers", parameters=[AccuracyFilterInput], responses=ReadersOutput
    )
    def get(self, request: Request) -> Response:
        """Each reader's volume, recall rate, PPV, sensitivity, specificity and agreement, by reader code
        (names for administrators only)."""
        filters, model, query = self.accuracy_filters(request)
        board = readers_board(user=request.user, filters=filters, model=model)
        return Response(
            ReadersOutput({"filters": query, "truths": board.truths, "readers": board.readers}).data
        )
