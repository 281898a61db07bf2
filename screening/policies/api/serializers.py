"""Output of the policies API: the simulator's figures (disclosed as on the page) and saved scenarios."""

from rest_framework import serializers

from screening.statistics.api.serializers import ShareOutput, SuppressibleCount


class WorkloadOutput(serializers.Serializer):
    reads = SuppressibleCount()
    per_thousand = serializers.FloatField(allow_null=True, help_text="Human reads per 1 000 episodes")
    low = serializers.FloatField(allow_null=True, help_text="95% interval of the mean, lower bound")
    high = serializers.FloatField(allow_null=True, help_text="95% interval of the mean, upper bound")


class FiguresOutput(serializers.Serializer):
    episodes = SuppressibleCount()
    unknown = SuppressibleCount(help_text="Episodes whose truth is not known yet")
    recall_rate = ShareOutput()
    detection_rate = ShareOutput(help_text="Cancers recalled per 1 000 episodes")
    sensitivity = ShareOutput()
    specificity = ShareOutput()
    workload = WorkloadOutput()


class PolicyOutput(serializers.Serializer):
    base = serializers.CharField()
    ai_threshold = serializers.FloatField(allow_null=True)
    triage_below = serializers.FloatField(allow_null=True)
    safety_net_at = serializers.FloatField(allow_null=True)


class CurvePointOutput(serializers.Serializer):
    threshold = serializers.FloatField()
    recall_rate = serializers.FloatField(allow_null=True)
    sensitivity = serializers.FloatField(allow_null=True)
    specificity = serializers.FloatField(allow_null=True)
    reads_per_thousand = serializers.FloatField(allow_null=True)


class SimulationOutput(serializers.Serializer):
    campaign = serializers.IntegerField()
    policy = PolicyOutput()
    episodes = SuppressibleCount()
    kept = SuppressibleCount(help_text="Episodes whose signed reads do not rebuild their recorded result")
    real = FiguresOutput()
    projected = FiguresOutput()
    varied = serializers.CharField(help_text='The threshold the curve sweeps ("" without one)')
    curve = CurvePointOutput(many=True, help_text="Empty when the history is too small to show")


class ResultsOutput(serializers.Serializer):
    episodes = SuppressibleCount()
    kept = SuppressibleCount()
    real = FiguresOutput()
    projected = FiguresOutput()


class ApplicationOutput(serializers.Serializer):
    applied_at = serializers.DateTimeField()
    applied_by = serializers.CharField(source="applied_by.username")
    reason = serializers.CharField()
    changes = serializers.DictField(child=serializers.ListField())


class ScenarioOutput(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField(source="campaign_id")
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username")
    base = serializers.CharField()
    ai_threshold = serializers.FloatField(allow_null=True)
    triage_below = serializers.FloatField(allow_null=True)
    safety_net_at = serializers.FloatField(allow_null=True)
    note = serializers.CharField()
    results = ResultsOutput()
    applications = ApplicationOutput(many=True)


class ApplyInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
