"""Fault tests against real Celery worker processes, a real broker and a committed PostgreSQL database.

(1) workers killed mid-job lose nothing and store nothing twice; (2) a poison study ends dead
without looping; (3) consent withdrawn while jobs wait: nothing stored, all cancelled; (4) the
broker restarted while jobs wait: none lost; and RabbitMQ runs jobs end to end.
Run: DATABASE_URL=postgres://... pytest -m worker tests/inference_jobs/test_worker_faults.py
"""

import os
import shutil
import socket
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from inference.synthetic.cohort import cohort_plan, write_study
from screening.core.actors import Actor
from screening.inference_jobs.job_enqueue import jobs_enqueue_for_studies
from screening.inference_jobs.job_sweeper import jobs_sweep
from screening.inference_jobs.models import InferenceJob, InferenceResult, JobStatus
from tests.inference_jobs import worker_harness as harness
from tests.inference_jobs.job_fixtures import ai_campaign, ai_consent_withdraw, imaged_episode, mg_study

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

IN_CI = os.environ.get("CI", "").lower() == "true"
SHARED_REDIS = os.environ.get("INFERENCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
RABBITMQ = os.environ.get("INFERENCE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
ACTOR = Actor.system("worker-test")


def _reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _require(condition: bool, reason: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(f"CI must provide this: {reason}")
        pytest.skip(reason)


@pytest.fixture
def world(transactional_db, media_in_tmp, tmp_path, settings, monkeypatch):
    """PostgreSQL, the demo model and a poison model, one synthetic mammogram's files, fast limits."""
    _require(
        connection.vendor == "postgresql", "worker tests need PostgreSQL (set DATABASE_URL=postgres://...)"
    )
    _require(any((harness.REPO / "models" / "breast-demo").glob("*/model_card.json")), "no breast demo model")
    models = harness.model_root_with_poison(tmp_path / "models")
    monkeypatch.setenv("INFERENCE_ARCHITECTURE_MODULES", harness.POISON_MODULE)  # cards name it
    settings.INFERENCE_MODEL_ROOT = models
    for key, value in harness.FAST_LIMITS.items():
        if key.startswith("INFERENCE_"):
            setattr(settings, key, float(value) if "BACKOFF" in key else int(value))
    study = cohort_plan("breast", 1, seed=11, prevalence=1.0)[0]
    files = write_study(study, tmp_path / "synthetic")
    stored = {}
    for path in files:
        view = path.stem.split("_", 1)[1]  # "1_R-CC.dcm"
        target = media_in_tmp / "dicom" / "synthetic" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        stored[view] = f"dicom/synthetic/{path.name}"
    return {"models": models, "media": media_in_tmp, "files": stored, "tmp": tmp_path}


def _studies(world, count: int, *, model: str = ""):
    campaign = ai_campaign(ai_model_name=model)
    return [mg_study(imaged_episode(campaign), files=world["files"]) for _ in range(count)]


def _enqueue(studies, max_attempts: int) -> list[int]:
    jobs = jobs_enqueue_for_studies(actor=ACTOR, study_ids=[s.pk for s in studies])
    assert len(jobs) == len(studies)
    InferenceJob.objects.filter(pk__in=[j.pk for j in jobs]).update(max_attempts=max_attempts)
    return [j.pk for j in jobs]


def _start(world, broker_url: str, name: str, concurrency: int = 2) -> harness.Worker:
    env = harness.worker_environment(
        broker_url=broker_url, media_root=world["media"], model_root=world["models"], var_dir=world["tmp"]
    )
    worker = harness.Worker(env, world["tmp"] / f"{name}.log", name=name, concurrency=concurrency)
    worker.wait_ready()
    return worker


def _succeeded(job_ids) -> int:
    return InferenceJob.objects.filter(pk__in=job_ids, status=JobStatus.SUCCEEDED).count()


def _finished(job_ids) -> bool:
    return not InferenceJob.objects.filter(pk__in=job_ids).active().exists()


def _sweep() -> None:
    jobs_sweep(undispatched_grace=5)


def _transport_options(url: str) -> dict[str, object]:
    if url.startswith("redis"):
        return {"visibility_timeout": 20, "unacked_restore_interval": 2, "unacked_restore_throttle": 1}
    return {}


@pytest.fixture
def shared_redis():
    redis = pytest.importorskip("redis")
    _require(_reachable(6379), "no Redis on 127.0.0.1:6379")
    redis.Redis.from_url(SHARED_REDIS).flushdb()  # DB 3 is this suite's
    with harness.real_broker(SHARED_REDIS, _transport_options(SHARED_REDIS)):
        yield SHARED_REDIS


def test_killed_workers_lose_no_job_and_store_no_duplicate(world, shared_redis):
    job_ids = _enqueue(_studies(world, 50), max_attempts=8)  # all queued before any worker runs
    worker = _start(world, shared_redis, "w1")
    workers = [worker]
    try:
        child_kills = 0
        # Kills follow the worker's progress, not the clock (a quiet machine scores 50 studies in a
        # few seconds): a child is killed after every 4 more results, while jobs keep it busy.
        for kill in range(1, 5):
            harness.wait_until(lambda: _succeeded(job_ids) >= 4 * kill, timeout=60, every=0.05)
            child_kills += worker.kill_child()
        harness.wait_until(lambda: _succeeded(job_ids) >= 20, timeout=60, every=0.05)
        remaining = InferenceJob.objects.filter(pk__in=job_ids).active().count()
        worker.kill()  # the whole worker, with jobs still to do
        assert child_kills == 4 and remaining > 0
        time.sleep(1)
        workers.append(_start(world, shared_redis, "w2"))
        done = harness.wait_until(lambda: _finished(job_ids), timeout=150, every=2, tick=_sweep)
        statuses = dict(
            InferenceJob.objects.filter(pk__in=job_ids).values_list("status").annotate(n=Count("id"))
        )
        assert done, f"jobs still active: {statuses}"
        assert statuses == {JobStatus.SUCCEEDED: 50}
        assert InferenceResult.objects.filter(job_id__in=job_ids).count() == 50
        assert not InferenceResult.objects.values("job").annotate(n=Count("id")).filter(n__gt=1).exists()
        retried = InferenceJob.objects.filter(pk__in=job_ids, attempts__gt=1).count()
        assert retried >= 1, "no attempt was lost: the kills hit nothing"
        assert all(r.images.count() == 4 for r in InferenceResult.objects.filter(job_id__in=job_ids))
    finally:
        for w in workers:
            w.kill()


def test_poison_study_ends_dead_after_the_attempt_cap_without_looping(world, shared_redis):
    studies = _studies(world, 1, model="poison")
    worker = _start(world, shared_redis, "poison", concurrency=1)
    try:
        [job_id] = _enqueue(studies, max_attempts=3)
        assert InferenceJob.objects.get(pk=job_id).model_name == "poison"
        done = harness.wait_until(lambda: _finished([job_id]), timeout=120, every=1, tick=_sweep)
        job = InferenceJob.objects.get(pk=job_id)
        assert done, f"poison job still {job.status} after {job.attempts} attempts"
        assert job.status == JobStatus.DEAD and job.attempts == 3
        assert "worker lost" in job.error
        events = job.events.count()
        time.sleep(6)  # nothing more happens: no message loops
        _sweep()
        assert job.events.count() == events
        assert InferenceJob.objects.get(pk=job_id).attempts == 3
        assert worker.process.poll() is None, "the worker itself survives its children's deaths"
    finally:
        worker.kill()


def test_withdrawn_consent_while_queued_cancels_all_and_stores_nothing(world, shared_redis):
    studies = _studies(world, 10)
    job_ids = _enqueue(studies, max_attempts=3)  # queued in the broker; no worker yet
    for study in studies:
        ai_consent_withdraw(study.patient)
    worker = _start(world, shared_redis, "consent")
    try:
        done = harness.wait_until(lambda: _finished(job_ids), timeout=90, every=1, tick=_sweep)
        assert done
        assert InferenceJob.objects.filter(pk__in=job_ids, status=JobStatus.CANCELLED).count() == 10
        assert not InferenceResult.objects.filter(job_id__in=job_ids).exists()
        assert not (world["media"] / "inference").exists() or not any(
            (world["media"] / "inference").rglob("*.png")
        )
    finally:
        worker.kill()


def test_broker_restart_while_jobs_are_queued_loses_none(world):
    pytest.importorskip("redis")
    _require(Path(shutil.which("redis-server") or "/usr/bin/redis-server").exists(), "no redis-server binary")
    server = harness.RedisServer(world["tmp"] / "redis")
    server.start()
    worker = None
    try:
        with harness.real_broker(server.url, _transport_options(server.url)):
            studies = _studies(world, 12)
            job_ids = _enqueue(studies, max_attempts=5)
            server.stop()  # every message is still queued
            server.start()
            worker = _start(world, server.url, "restart")
            time.sleep(3)  # some running, the rest queued: restart again under the worker
            server.stop()
            time.sleep(1)
            server.start()
            workers = [worker]

            def supervise() -> None:
                # kombu's Redis transport can die with "Unrecoverable error" when the broker goes
                # away while it restores unacknowledged messages; a deployment's supervisor
                # (systemd Restart=always) starts it again, and so does this test.
                if workers[-1].process.poll() is not None:
                    workers.append(_start(world, server.url, f"restart-{len(workers)}"))
                _sweep()

            done = harness.wait_until(lambda: _finished(job_ids), timeout=150, every=2, tick=supervise)
            worker = workers[-1]
            statuses = dict(
                InferenceJob.objects.filter(pk__in=job_ids).values_list("status").annotate(n=Count("id"))
            )
            assert done, f"jobs still active: {statuses}"
            assert statuses == {JobStatus.SUCCEEDED: 12}
            assert InferenceResult.objects.filter(job_id__in=job_ids).count() == 12
    finally:
        if worker is not None:
            worker.kill()
        server.stop()


def test_jobs_run_end_to_end_over_rabbitmq(world):
    pytest.importorskip("amqp")
    _require(_reachable(5672), "no RabbitMQ on 127.0.0.1:5672")
    with harness.real_broker(RABBITMQ, {}):
        harness.purge()
        studies = _studies(world, 5)
        worker = _start(world, RABBITMQ, "rabbit")
        try:
            job_ids = _enqueue(studies, max_attempts=3)
            assert harness.wait_until(lambda: _finished(job_ids), timeout=90, every=1, tick=_sweep)
            assert InferenceJob.objects.filter(pk__in=job_ids, status=JobStatus.SUCCEEDED).count() == 5
            assert InferenceResult.objects.filter(job_id__in=job_ids).count() == 5
        finally:
            worker.kill()
