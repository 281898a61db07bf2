"""Research export API: one input serializer (the request), one output serializer (the job)."""

from rest_framework import serializers

from screening.campaigns.models import Campaign, EpisodeResult, Programme
from screening.core.api_outputs import ModelOutput
from screening.core.date_bounds import plausible_date
from screening.inference_jobs.models import TriageBand
from screening.outcomes.episode_truth import Truth
from screening.research.models import ExportJob


class ExportRequestInput(serializers.Serializer):
    programme = serializers.SlugRelatedField(slug_field="code", queryset=Programme.objects.all())
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    period_start = serializers.DateField(required=False, allow_null=True, validators=[plausible_date])
    period_end = serializers.DateField(required=False, allow_null=True, validators=[plausible_date])
    truth = serializers.ChoiceField(choices=[t.value for t in Truth], required=False, allow_blank=True)
    ai_band = serializers.ChoiceField(choices=TriageBand.choices, required=False, allow_blank=True)
    reader_result = serializers.ChoiceField(choices=EpisodeResult.choices, required=False, allow_blank=True)
    modality = serializers.RegexField(r"^[A-Za-z0-9]{0,16}$", required=False, allow_blank=True)
    retain_dates_shifted = serializers.BooleanField(default=False)
    retain_patient_characteristics = serializers.BooleanField(default=False)
    retain_device_identity = serializers.BooleanField(default=False)
    ocr_check = serializers.BooleanField(default=True)
    purpose = serializers.CharField()
    approval_reference = serializers.CharField(max_length=120)


class ExportOutput(ModelOutput):
    programme: "serializers.SlugRelatedField[Programme]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "requested_by",
            "programme",
            "campaign",
            "period_start",
            "period_end",
            "truth",
            "ai_band",
            "reader_result",
            "modality",
            "retain_dates_shifted",
            "retain_patient_characteristics",
            "retain_device_identity",
            "ocr_check",
            "purpose",
            "approval_reference",
            "status",
            "attempts",
            "progress_done",
            "progress_total",
            "progress_percent",
            "participants_included",
            "studies_included",
            "files_included",
            "excluded",
            "files_withheld",
            "profile_edition",
            "package_bytes",
            "package_sha256",
            "download_url",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
            "error",
        ]

    def get_download_url(self, job: ExportJob) -> str | None:
        from django.urls import reverse

        return reverse("research:download", args=[job.pk]) if job.downloadable else None
