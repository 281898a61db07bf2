"""Workers without the shared folder: a job's signed token reads exactly its images over HTTP, audited;
the worker fetches them with retries, reads the shared folder first, and never touches the database."""

import shutil
import tempfile
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage
from django.test import Client
from django.urls import reverse

from screening.core.actors import Actor
from screening.core.models import AuditEvent, AuditOutcome
from screening.imaging.intake_signals import studies_announce
from screening.inference_jobs import job_services, tasks, worker_files
from screening.inference_jobs.models import InferenceJob
from screening.inference_jobs.worker_inference import PermanentInputError
from tests.inference_jobs.fetch_server import FetchLog, fetch_server
from tests.inference_jobs.job_fixtures import MG_VIEWS, ai_campaign, imaged_episode, mg_study

WORKER = "system:inference-worker"


@pytest.fixture
def announced(db, media_in_tmp, model_root, sent, django_capture_on_commit_callbacks):
    """Two dispatched jobs of studies whose four files are stored: (messages' jobs, file bytes by name)."""
    campaign = ai_campaign()
    contents = {}
    studies = []
    for number in range(2):
        files = {view: f"dicom/study{number}/{view}.dcm" for view in MG_VIEWS}
        for name in files.values():
            contents[name] = f"DICOM bytes of {name}".encode()
            (media_in_tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (media_in_tmp / name).write_bytes(contents[name])
        studies.append(mg_study(imaged_episode(campaign), files=files))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk for study in studies])
    return list(sent), contents


def _get(job_id: int, instance_id: str, token: str | None):
    url = reverse(
        "inference_jobs:worker_instance", kwargs={"job_id": job_id, "instance_id": int(instance_id)}
    )
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return Client().get(url, headers=headers)


def _denied_count() -> int:
    return AuditEvent.objects.filter(actor_username=WORKER, outcome=AuditOutcome.DENIED).count()


def test_the_route_is_the_one_workers_are_told():
    url = reverse("inference_jobs:worker_instance", kwargs={"job_id": 12, "instance_id": 34})
    assert url == worker_files.WORKER_INSTANCE_PATH.format(job_id=12, instance_id=34)


def test_a_jobs_token_reads_its_images_and_each_attempt_is_audited_once(announced):
    jobs, contents = announced
    job = jobs[0]
    for reference, name in job["images"]:
        response = _get(job["job_id"], reference, job["token"])
        assert response.status_code == 200 and response["Content-Type"] == "application/dicom"
        assert b"".join(response.streaming_content) == contents[name]
    study_id = InferenceJob.objects.get(pk=job["job_id"]).study_id
    [event] = AuditEvent.objects.filter(actor_username=WORKER)
    assert (event.action, event.object_type, event.object_id) == ("view", "study", str(study_id))
    assert event.detail == {"inference_job": job["job_id"], "attempt": 1, "images": 4}


def test_a_token_reads_nothing_but_its_own_jobs_images_while_the_job_is_active(announced, settings):
    (first, second), _ = announced
    reference = first["images"][0][0]
    assert _get(first["job_id"], second["images"][0][0], first["token"]).status_code == 404
    assert _get(second["job_id"], second["images"][0][0], first["token"]).status_code == 403
    assert _get(first["job_id"], reference, first["token"][:-3] + "abc").status_code == 403
    assert _get(first["job_id"], reference, None).status_code == 403
    settings.INFERENCE_FETCH_KEY = "another installation's key"
    assert _get(first["job_id"], reference, first["token"]).status_code == 403
    settings.INFERENCE_FETCH_KEY = ""
    settings.INFERENCE_FETCH_TOKEN_SECONDS = -1  # every token is older than that
    assert _get(first["job_id"], reference, first["token"]).status_code == 403
    settings.INFERENCE_FETCH_TOKEN_SECONDS = 60
    job_services.job_cancel(actor=Actor.system("test"), job=InferenceJob.objects.get(pk=first["job_id"]))
    assert _get(first["job_id"], reference, first["token"]).status_code == 403
    assert _denied_count() == 7
    assert not AuditEvent.objects.filter(actor_username=WORKER, outcome=AuditOutcome.SUCCESS).exists()


def test_a_worker_reads_the_shared_folder_when_it_holds_the_files(tmp_path):
    (tmp_path / "dicom").mkdir()
    (tmp_path / "dicom" / "a.dcm").write_bytes(b"local")
    log = FetchLog(files={})
    with fetch_server(log) as url:
        images = _study_images({"job_id": 1, "images": [["7", "dicom/a.dcm"]], "token": "t"}, tmp_path, url)
    assert images == [("7", tmp_path / "dicom" / "a.dcm")] and log.requests == []


def test_a_worker_reads_an_older_messages_absolute_path_and_fetches_what_an_object_store_keeps(
    tmp_path, settings
):
    (tmp_path / "old.dcm").write_bytes(b"old")
    log = FetchLog(files={})
    with fetch_server(log) as url:
        job = {"job_id": 1, "images": [["7", str(tmp_path / "old.dcm")]], "token": "t"}
        assert _study_images(job, tmp_path / "elsewhere", url) == [("7", tmp_path / "old.dcm")]
    assert log.requests == []
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.ObjectStore"}}
    assert tasks._shared_file("dicom/a.dcm") is None  # so the worker fetches it


def test_a_worker_without_the_files_fetches_them_with_its_token_retrying_server_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(worker_files, "RETRY_BACKOFF_SECONDS", 0.01)
    path = worker_files.WORKER_INSTANCE_PATH.format(job_id=5, instance_id=9)
    log = FetchLog(files={path: b"remote bytes"}, failures=[503, 502])
    with fetch_server(log) as url:
        [(reference, local)] = _study_images(
            {"job_id": 5, "images": [["9", "dicom/missing.dcm"]], "token": "tok"}, tmp_path, url
        )
    assert reference == "9" and local.read_bytes() == b"remote bytes"
    assert log.requests == [(path, "Bearer tok")] * 3


@pytest.mark.parametrize(
    ("failures", "error", "requests"),
    [
        ([403], worker_files.FetchRefused, 1),
        ([404], PermanentInputError, 1),
        ([500] * 3, worker_files.FetchFailed, 3),
    ],
)
def test_a_refused_or_failing_fetch_ends_the_attempt(tmp_path, monkeypatch, failures, error, requests):
    monkeypatch.setattr(worker_files, "RETRY_BACKOFF_SECONDS", 0.01)
    log = FetchLog(files={}, failures=failures)
    job = {"job_id": 5, "images": [["9", "dicom/missing.dcm"]], "token": "tok"}
    with fetch_server(log) as url, pytest.raises(error):
        _study_images(job, tmp_path, url, retries=2)
    assert len(log.requests) == requests


def test_a_worker_scores_a_fetched_study_without_touching_the_database(tmp_path, settings, monkeypatch):
    """No django_db mark: any query in the inference task raises (and would surface as its error)."""
    from inference.synthetic.cohort import cohort_plan, write_study

    demo = sorted((Path(settings.BASE_DIR) / "models" / "breast-demo").glob("*/model_card.json"))
    if not demo:
        pytest.skip("no breast demo model")
    files = write_study(cohort_plan("breast", 1, seed=11, prevalence=1.0)[0], tmp_path / "synthetic")
    served = {
        worker_files.WORKER_INSTANCE_PATH.format(job_id=3, instance_id=index): path.read_bytes()
        for index, path in enumerate(files, start=1)
    }
    job = {
        "job_id": 3,
        "attempt": 1,
        "images": [[str(index), f"dicom/{path.name}"] for index, path in enumerate(files, start=1)],
        "token": "job-3-token",
    }
    reports = []
    monkeypatch.setattr(tasks, "_report", lambda task, **kwargs: reports.append((task.name, kwargs)))
    settings.MEDIA_ROOT = str(tmp_path / "empty-media")  # no shared folder
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    settings.INFERENCE_MODEL_ROOT = Path(settings.BASE_DIR) / "models"
    log = FetchLog(files=served)
    with fetch_server(log) as url:
        settings.INFERENCE_WEB_URL = url
        tasks.inference_run.apply(
            kwargs={"model_name": "breast-demo", "model_version": demo[-1].parent.name, "jobs": [job]}
        )
    assert [name for name, _ in reports] == ["inference_jobs.jobs_started", "inference_jobs.jobs_finished"]
    [outcome] = reports[1][1]["outcomes"]
    assert "error" not in outcome, outcome.get("error")
    assert len(outcome["prediction"]["images"]) == 4 and len(log.requests) == 4
    assert all(authorization == "Bearer job-3-token" for _, authorization in log.requests)
    assert not any(scratch.iterdir()), "fetched files are removed after scoring"


def _study_images(job, media_root: Path, url: str, retries: int = 3):
    into = media_root / "fetched"
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    return worker_files.study_images(
        job, shared_file=lambda name: media_root / name, web_url=url, into=into, retries=retries, timeout=5
    )


class ObjectStore(InMemoryStorage):
    """A storage with no local paths, as S3 and other object stores."""

    def path(self, name: str) -> str:
        raise NotImplementedError("no local paths")


def test_jobs_are_dispatched_from_a_storage_without_local_paths(
    db, model_root, sent, settings, django_capture_on_commit_callbacks
):
    """The message names storage names (a worker fetches what it does not share), never local paths."""
    store = f"{__name__}.ObjectStore"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": store}}
    study = mg_study(imaged_episode(ai_campaign()))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    [job] = sent
    assert [name for _, name in job["images"]] == [f"dicom/placeholder-{view}.dcm" for view in MG_VIEWS]
