"""A participant who withdrew AI consent has no AI result shown: study page, heat maps, the API;
a re-grant shows the result again. Checked where the result is read, and audited."""

import pytest
from django.test import Client
from django.urls import reverse

from screening.core.models import AuditEvent
from screening.imaging.intake_signals import studies_announce
from screening.inference_jobs.models import InferenceJob
from tests.inference_jobs.conftest import prediction_for, result_store
from tests.inference_jobs.job_fixtures import (
    ai_campaign,
    ai_consent_grant,
    ai_consent_withdraw,
    imaged_episode,
    mg_study,
)
from tests.page_text import shows_figure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(media_in_tmp, model_root):
    return media_in_tmp


@pytest.fixture
def scored(django_capture_on_commit_callbacks, sent, radiologist):
    campaign = ai_campaign()
    campaign.assigned_staff.add(radiologist)
    study = mg_study(imaged_episode(campaign))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    job = InferenceJob.objects.get(study=study)
    return result_store(job_id=job.pk, attempt=1, prediction=prediction_for(sent[-1], score=0.81))


def test_withdrawn_ai_consent_hides_the_result_heat_maps_and_api(radiologist_client: Client, scored):
    patient = scored.study.patient
    overlay = reverse("inference_jobs:overlay_png", args=[scored.images.first().pk])
    api = f"/api/v1/studies/{scored.study_id}/ai-result/"
    ai_consent_withdraw(patient)

    page = radiologist_client.get(reverse("imaging:study", args=[scored.study_id])).content.decode()
    assert 'id="ai-score"' not in page and "ai-overlays" not in page and not shows_figure(page, "0.810")
    assert "AI not shown: the participant withdrew consent to AI on" in page
    assert radiologist_client.get(overlay).status_code == 403
    response = radiologist_client.get(api)
    assert response.status_code == 403 and "withdrew consent to AI" in response.json()["detail"]
    denied = AuditEvent.objects.filter(object_type="inference_result", outcome="denied")
    assert denied.count() == 2 and all(e.detail["reason"] == "ai_consent_withdrawn" for e in denied)

    ai_consent_grant(patient)  # consent is checked where the result is read: a re-grant shows it
    assert radiologist_client.get(api).json()["study_score"] == 0.81
    assert radiologist_client.get(overlay).status_code == 200
