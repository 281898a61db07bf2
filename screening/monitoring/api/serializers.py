"""Monitoring API shapes: alerts, the note that acknowledges or closes one, and the weekly drift."""

from rest_framework import serializers

from screening.monitoring.models import MonitoringAlert


class AlertOutput(serializers.ModelSerializer):
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", default=None, read_only=True)
    closed_by = serializers.CharField(source="closed_by.username", default=None, read_only=True)

    class Meta:
        model = MonitoringAlert
        fields = [
            "id",
            "kind",
            "status",
            "model_key",
            "site",
            "subject",
            "week",
            "last_week",
            "value",
            "limit",
            "sample_size",
            "detail",
            "raised_at",
            "last_seen_at",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledgement_note",
            "closed_by",
            "closed_at",
            "close_note",
        ]


class AlertNoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class AlertListInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["", "raised", "acknowledged", "closed"], required=False)


class DriftInput(serializers.Serializer):
    model = serializers.CharField(required=False, allow_blank=True)
    site = serializers.CharField(required=False, allow_blank=True)


class ScoreWeekOutput(serializers.Serializer):
    week = serializers.DateField()
    results = serializers.IntegerField()
    psi = serializers.FloatField(allow_null=True)
    level = serializers.CharField()
    ks = serializers.FloatField(allow_null=True)
    ks_p = serializers.FloatField(allow_null=True)
    high_share = serializers.FloatField(allow_null=True)
    intermediate_share = serializers.FloatField(allow_null=True)
    low_share = serializers.FloatField(allow_null=True)
    failed = serializers.IntegerField()
    failed_share = serializers.FloatField(allow_null=True)
    enough = serializers.BooleanField(help_text="At least MONITORING_MIN_RESULTS results: may raise an alert")


class CusumOutput(serializers.Serializer):
    kind = serializers.CharField(source="spec.kind")
    p0 = serializers.FloatField(source="design.p0")
    p1 = serializers.FloatField(source="design.p1")
    limit = serializers.FloatField(source="design.limit")
    arl0 = serializers.FloatField(source="design.arl0")
    expected_delay = serializers.FloatField(source="design.arl1", help_text="ARL at p1, in observations")
    minimum = serializers.IntegerField(source="spec.minimum")
    observed = serializers.IntegerField()
    weeks = serializers.ListField(child=serializers.DateField())
    statistic = serializers.ListField(child=serializers.FloatField())
    signals = serializers.ListField(child=serializers.BooleanField())


class DriftOutput(serializers.Serializer):
    model_key = serializers.CharField()
    site = serializers.CharField()
    score_weeks = ScoreWeekOutput(many=True)
    cusum = CusumOutput(many=True, source="charts")
