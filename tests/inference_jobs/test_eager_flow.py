"""The embedded default: uploaded synthetic studies are scored in-process, with heat maps, untouched."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from screening.core.actors import Actor
from screening.demo.synthetic_cohort import cohort_generate
from screening.demo.synthetic_senders import upload_sender
from screening.imaging.models import StudyMatch
from screening.inference_jobs.models import InferenceJob, InferenceResult, JobStatus
from screening.inference_jobs.study_readiness import study_readiness
from tests.factories import programme

SHIPPED_MODELS = Path(django_settings.BASE_DIR) / "models"


@pytest.mark.django_db
def test_uploaded_mammograms_get_results_with_heat_maps(
    media_in_tmp, tmp_path, settings, django_capture_on_commit_callbacks, radiologist
):
    pytest.importorskip("inference.predictor")
    if not any(SHIPPED_MODELS.glob("*/*/model_card.json")):
        pytest.skip("no demo model under models/")
    settings.INFERENCE_MODEL_ROOT = SHIPPED_MODELS
    programme("breast")
    with django_capture_on_commit_callbacks(execute=True):
        cohort_generate(
            actor=Actor.system("test"),
            programme_code="breast",
            patients=4,
            seed=3,
            prevalence=0.5,
            out_dir=tmp_path / "cohort",
            sender=upload_sender(),
        )
    jobs = list(InferenceJob.objects.select_related("study"))
    assert jobs, "no job was queued"
    for job in jobs:
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.study.match_status == StudyMatch.MATCHED
        result = InferenceResult.objects.get(job=job)
        assert 0.0 <= result.study_score <= 1.0 and set(result.side_scores) == {"R", "L"}
        assert result.images.count() == 4
        assert all(image.has_heatmap and image.heatmap_rows == 64 for image in result.images.all())
        assert result.timings_ms["total"] > 0
    scored = {job.study_id for job in jobs}
    from screening.imaging.models import Study

    for study in Study.objects.exclude(pk__in=scored):
        assert not study_readiness(study).ready  # every study left out had a reason
