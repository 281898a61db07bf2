"""Output of the outcome, accuracy and readers API: the same disclosed figures the pages show."""

from rest_framework import serializers

from screening.statistics.accuracy_groups import ACCURACY_GROUPS
from screening.statistics.api.serializers import ShareOutput, StandardJudgementOutput, SuppressibleCount


class TruthCountsOutput(serializers.Serializer):
    screened = SuppressibleCount()
    positives = SuppressibleCount(help_text="Screen-detected and interval cancers")
    negatives = SuppressibleCount(help_text="False positive recalls and true negatives")
    unknown = SuppressibleCount(help_text="Truth not yet known: counted, never taken as negative")


class OutcomeFigureOutput(serializers.Serializer):
    measure = serializers.CharField()
    name = serializers.CharField()
    definition = serializers.CharField()
    share = ShareOutput(help_text="per is 1000 for rates per 1 000 screened, 100 for percentages")
    unknown = SuppressibleCount(help_text="Episodes this figure cannot count yet")
    standards = StandardJudgementOutput(many=True)


class CategoryOutput(serializers.Serializer):
    category = serializers.CharField()
    episodes = SuppressibleCount()
    share = ShareOutput()
    cancer_share = ShareOutput()
    unknown = SuppressibleCount()


class OutcomesOutput(serializers.Serializer):
    filters = serializers.DictField(child=serializers.CharField())
    truths = TruthCountsOutput()
    figures = OutcomeFigureOutput(many=True)
    lung_rads = CategoryOutput(many=True)


class DecisionAccuracyOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    decisions = SuppressibleCount()
    unknown = SuppressibleCount()
    true_positive = SuppressibleCount()
    false_positive = SuppressibleCount()
    false_negative = SuppressibleCount()
    true_negative = SuppressibleCount()
    sensitivity = ShareOutput()
    specificity = ShareOutput()
    ppv = ShareOutput()


class AucOutput(serializers.Serializer):
    auc = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True, help_text="DeLong 95% interval")
    high = serializers.FloatField(allow_null=True)
    positives = SuppressibleCount()
    negatives = SuppressibleCount()
    unknown = SuppressibleCount()
    suppressed = serializers.BooleanField()
    curve = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
        help_text="[1 - specificity %, sensitivity %, threshold (null: above every score)] per corner",
    )


class BinOutput(serializers.Serializer):
    lower = serializers.FloatField()
    upper = serializers.FloatField()
    mean_predicted = serializers.FloatField(allow_null=True)
    observed = ShareOutput()


class CalibrationOutput(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    ece = serializers.FloatField(allow_null=True)
    note = serializers.CharField()
    bins = BinOutput(many=True)


class AgreementOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    pairs = SuppressibleCount()
    value = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    suppressed = serializers.BooleanField()
    unit = serializers.CharField()


class GroupAccuracyOutput(serializers.Serializer):
    group = serializers.CharField(help_text="The subgroup: an age band, round, vendor, site or model")
    final = DecisionAccuracyOutput(help_text="The final decision (episode result) in this subgroup")
    ai = DecisionAccuracyOutput(help_text="The AI at each episode's recorded threshold in this subgroup")


class AccuracyOutput(serializers.Serializer):
    filters = serializers.DictField(child=serializers.CharField())
    truths = TruthCountsOutput()
    decisions = DecisionAccuracyOutput(many=True)
    auc = AucOutput()
    calibration = CalibrationOutput(many=True)
    agreement = AgreementOutput(many=True)
    group_by = serializers.ChoiceField(choices=list(ACCURACY_GROUPS))
    groups = GroupAccuracyOutput(many=True)


class ReaderOutput(serializers.Serializer):
    code = serializers.CharField(help_text="A stable pseudonym")
    name = serializers.CharField(help_text="Only for administrators; else empty")
    reads = SuppressibleCount()
    arbitrations = SuppressibleCount()
    recall_rate = ShareOutput()
    accuracy = DecisionAccuracyOutput()
    kappa_with_ai = AgreementOutput()
    discordance = AgreementOutput()


class ReadersOutput(serializers.Serializer):
    filters = serializers.DictField(child=serializers.CharField())
    truths = TruthCountsOutput()
    readers = ReaderOutput(many=True)
