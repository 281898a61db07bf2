"""Inference API payloads: jobs with their history, filters, and a study's AI result."""

from django.urls import reverse
from rest_framework import serializers

from screening.core.api_inputs import id_field
from screening.core.api_outputs import ModelOutput
from screening.inference_jobs.models import (
    InferenceImageResult,
    InferenceJob,
    InferenceJobEvent,
    InferenceResult,
    JobStatus,
)


class JobFilterInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=JobStatus.choices, required=False)
    study = id_field(required=False)
    model_name = serializers.CharField(required=False, max_length=100)


class JobEventOutput(ModelOutput):
    class Meta:
        model = InferenceJobEvent
        fields = ["occurred_at", "from_status", "to_status", "attempt", "actor", "note"]


class JobOutput(ModelOutput):
    class Meta:
        model = InferenceJob
        fields = [
            "id",
            "study",
            "model_name",
            "model_version",
            "status",
            "attempts",
            "max_attempts",
            "worker",
            "device",
            "queued_at",
            "dispatched_at",
            "started_at",
            "finished_at",
            "lease_expires_at",
            "error",
            "timings_ms",
        ]


class JobDetailOutput(JobOutput):
    events = JobEventOutput(many=True, read_only=True)

    class Meta(JobOutput.Meta):
        fields = [*JobOutput.Meta.fields, "events"]


class ImageResultOutput(ModelOutput):
    overlay_url = serializers.SerializerMethodField()

    class Meta:
        model = InferenceImageResult
        fields = ["id", "instance", "slice_index", "score", "side", "view", "overlay_url"]

    def get_overlay_url(self, image: InferenceImageResult) -> str | None:
        return reverse("inference_jobs:overlay_png", args=[image.pk]) if image.has_heatmap else None


class ResultOutput(ModelOutput):
    images = ImageResultOutput(many=True, read_only=True)

    class Meta:
        model = InferenceResult
        fields = [
            "id",
            "job",
            "study",
            "model_name",
            "model_version",
            "programme",
            "study_score",
            "calibration_prevalence",
            "band",
            "high_threshold",
            "low_threshold",
            "side_scores",
            "device",
            "timings_ms",
            "created_at",
            "images",
        ]
