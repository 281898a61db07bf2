"""Imaging API payloads: the upload input, each file's intake outcome, and studies as read."""

from typing import Any

from django.conf import settings
from rest_framework import serializers

from screening.core.api_outputs import ModelOutput
from screening.imaging.models import Series, Study, StudyMatch

DEFAULT_UPLOAD_MAX_BYTES = 1024 * 1024 * 1024


class UploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="One DICOM Part 10 file, or a zip archive of them")

    def validate_file(self, file: Any) -> Any:
        limit = int(getattr(settings, "IMAGING_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))
        if file.size > limit:
            raise serializers.ValidationError(f"The file is larger than {limit} bytes.")
        return file


class UploadOutcomeOutput(serializers.Serializer):
    """What intake did with one file (one entry per file of an archive)."""

    status = serializers.SerializerMethodField(help_text="stored, already_present or rejected")
    filename = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True, help_text="Why a file was rejected (a short code)")
    message = serializers.CharField(read_only=True)
    sop_instance_uid = serializers.CharField(read_only=True)
    study = serializers.SerializerMethodField(help_text="Id of the study the instance belongs to")

    def get_status(self, outcome: Any) -> str:
        return str(getattr(outcome.status, "value", outcome.status))

    def get_study(self, outcome: Any) -> int | None:
        return outcome.study.pk if outcome.study is not None else None


class StudyFilterInput(serializers.Serializer):
    """Query parameters of the study list."""

    match_status = serializers.ChoiceField(choices=StudyMatch.choices, required=False)
    study_instance_uid = serializers.CharField(required=False, max_length=64)
    modality = serializers.CharField(required=False, max_length=16)


class StudyOutput(ModelOutput):
    series_count = serializers.IntegerField(read_only=True)
    instance_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Study
        fields = [
            "id",
            "study_instance_uid",
            "patient",
            "episode",
            "match_status",
            "match_note",
            "study_date",
            "study_time",
            "accession_number",
            "modality",
            "description",
            "first_source",
            "series_count",
            "instance_count",
            "created_at",
        ]
        read_only_fields = fields


class SeriesOutput(ModelOutput):
    instance_count = serializers.SerializerMethodField()

    class Meta:
        model = Series
        fields = [
            "id",
            "series_instance_uid",
            "series_number",
            "modality",
            "body_part",
            "description",
            "manufacturer",
            "manufacturer_model",
            "instance_count",
        ]
        read_only_fields = fields

    def get_instance_count(self, series: Series) -> int:
        return len(series.instances.all())


class StudyDetailOutput(StudyOutput):
    """A study with its series, as received (the modality's patient details included)."""

    series = SeriesOutput(many=True, read_only=True)

    class Meta(StudyOutput.Meta):
        fields = [
            *StudyOutput.Meta.fields,
            "dicom_patient_id",
            "dicom_issuer",
            "dicom_patient_name",
            "dicom_birth_date",
            "dicom_sex",
            "series",
        ]
        read_only_fields = fields
