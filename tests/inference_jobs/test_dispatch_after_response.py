"""In-process (no broker), the AI job an attach queues runs after the response is sent, not inside
the request: the coordinator's page comes back at once."""

import secrets
from urllib.parse import urlencode

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory

from screening.campaigns.models import EpisodeStatus
from screening.imaging.models import StudyMatch
from screening.inference_jobs.models import InferenceJob, JobStatus
from screening.patients.consent_services import consent_grant
from screening.patients.models import ConsentMethod, ConsentScope
from tests.factories import EpisodeFactory
from tests.inference_jobs.job_fixtures import CONSENT_ACTOR, ai_campaign, ai_consent_grant, mg_study

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def unmatched_mammogram(model_root):
    """A complete mammogram awaiting reconciliation, for an attended participant consenting to AI."""
    episode = EpisodeFactory(campaign=ai_campaign(), status=EpisodeStatus.ATTENDED)
    patient = episode.patient
    ai_consent_grant(patient)
    consent_grant(
        actor=CONSENT_ACTOR, patient=patient, scope=ConsentScope.SCREENING, method=ConsentMethod.WRITTEN
    )
    study = mg_study(episode)
    study.patient, study.episode, study.match_status = None, None, StudyMatch.AWAITING_RECONCILIATION
    study.dicom_patient_id, study.dicom_issuer = patient.identifier, patient.issuer
    study.dicom_patient_name = f"{patient.family_name}^{patient.given_name}"
    study.dicom_birth_date, study.dicom_sex = patient.date_of_birth, patient.sex
    study.save()
    return study, episode


@pytest.fixture
def wsgi_post(coordinator):
    """POST through the WSGI handler as a server does: the response comes back unclosed."""
    client = Client()
    client.force_login(coordinator)
    token = secrets.token_hex(16)  # an unmasked CSRF secret: cookie and form field agree

    def post(path, data):
        body = urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        environ = RequestFactory().post(path, body, content_type="application/x-www-form-urlencoded").environ
        environ["HTTP_COOKIE"] = f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}"
        statuses = []
        response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
        return statuses[0], response

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield post
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_attach_returns_before_the_ai_job_runs(unmatched_mammogram, wsgi_post, sent):
    study, episode = unmatched_mammogram

    status, response = wsgi_post(
        f"/imaging/reconciliation/{study.pk}/attach/", {"patient": episode.patient_id, "episode": episode.pk}
    )

    assert status.startswith("302")
    job = InferenceJob.objects.get(study=study)  # queued after the attach committed...
    assert job.status == JobStatus.QUEUED and job.attempts == 0
    assert sent == []  # ...but not sent (in-process: not run) while the response is being written
    response.close()  # the server has sent the response
    assert [attempt["job_id"] for attempt in sent] == [job.pk]
