"""An inference worker on "another machine": its own network namespace, no database, no shared folder.

The worker runs in a network namespace joined to the host by a veth pair; only the broker (a private
redis-server bound to the host's end) and the web side (a live server on the same address) listen
there; PostgreSQL listens on the host's loopback, which the namespace cannot reach. Its MEDIA_ROOT is
an empty folder, and the web side's media folder is hidden under a tmpfs in its mount namespace: it
fetches each job's images over HTTP with the job's token. A default-queue worker on the host stores
the results. 20 studies are scored while that worker is SIGKILLed mid-run and another started.
Run: DATABASE_URL=postgres://... pytest -m worker tests/inference_jobs/test_remote_worker.py
"""

import os
import socket
import subprocess
import sys

import pytest
from django.db import connection
from django.db.models import Count
from pytest_django.live_server_helper import LiveServer

from screening.core.models import AuditEvent
from screening.inference_jobs.models import InferenceJob, InferenceResult, JobStatus
from tests.inference_jobs import worker_harness as harness
from tests.inference_jobs.network_namespace import NamespaceUnavailable, network_namespace
from tests.inference_jobs.test_worker_faults import _enqueue, _finished, _studies, _succeeded, _sweep
from tests.inference_jobs.test_worker_faults import world as world  # the fixture

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# What the namespaced worker is given for a database: no credentials, and nothing listens there.
NO_DATABASE = "postgres://no-credentials@127.0.0.1:5432/no-database"


@pytest.fixture
def namespace():
    """The worker's "machine"; without `ip netns` this fails (CI and here run as root with iproute2)."""
    try:
        with network_namespace() as made:
            yield made
    except NamespaceUnavailable as error:
        pytest.fail(f"the remote-worker test needs `ip netns` (iproute2, root): {error}")


def _reachable_from(namespace, host: str, port: int) -> bool:
    probe = f"import socket; socket.create_connection(({host!r}, {port}), timeout=2).close()"
    done = subprocess.run(namespace.command(sys.executable, "-c", probe), capture_output=True, check=False)
    return done.returncode == 0


def _inference_worker(world, namespace, *, broker_url: str, web_url: str, name: str) -> harness.Worker:
    env = harness.worker_environment(
        broker_url=broker_url,
        media_root=world["tmp"] / f"{name}-media",  # its own, empty: no shared folder
        model_root=world["models"],
        var_dir=world["tmp"] / name,
    )
    env.update({"DATABASE_URL": NO_DATABASE, "INFERENCE_WEB_URL": web_url, "INFERENCE_FETCH_RETRIES": "3"})
    (world["tmp"] / f"{name}-media").mkdir()
    hide_web_media = ["sh", "-c", 'mount -t tmpfs tmpfs "$0" && exec "$@"', str(world["media"])]
    worker = harness.Worker(
        env,
        world["tmp"] / f"{name}.log",
        name=name,
        concurrency=2,
        queues="inference",
        prefix=namespace.command(*hide_web_media),
    )
    worker.wait_ready()
    return worker


def test_a_worker_with_no_database_and_no_shared_folder_scores_20_studies_and_a_kill_loses_none(
    world, namespace, settings
):
    settings.INFERENCE_JOBS_PER_MESSAGE = 2  # ten messages: the kill finds some in flight
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, namespace.host_ip]
    broker = harness.RedisServer(world["tmp"] / "redis", bind=("127.0.0.1", namespace.host_ip))
    broker.start()
    web = LiveServer(f"{namespace.host_ip}:0")
    workers: list[harness.Worker] = []
    try:
        web_url = f"http://{namespace.host_ip}:{web.thread.port}"
        remote_broker = f"redis://{namespace.host_ip}:{broker.port}/0"
        assert _reachable_from(namespace, namespace.host_ip, broker.port)
        assert _reachable_from(namespace, namespace.host_ip, web.thread.port)
        database_port = int(connection.settings_dict["PORT"] or 5432)
        for host in ("127.0.0.1", namespace.host_ip):
            assert not _reachable_from(namespace, host, database_port), f"PostgreSQL reachable at {host}"
        with harness.real_broker(broker.url, {"visibility_timeout": 20, "unacked_restore_interval": 2}):
            env = harness.worker_environment(
                broker_url=broker.url,
                media_root=world["media"],
                model_root=world["models"],
                var_dir=world["tmp"],
            )
            workers.append(harness.Worker(env, world["tmp"] / "default.log", name="db", queues="default"))
            workers[-1].wait_ready()
            job_ids = _enqueue(_studies(world, 20), max_attempts=6)
            first = _inference_worker(
                world, namespace, broker_url=remote_broker, web_url=web_url, name="remote1"
            )
            workers.append(first)
            harness.wait_until(lambda: _succeeded(job_ids) >= 4, timeout=90, every=0.05)
            remaining = InferenceJob.objects.filter(pk__in=job_ids).active().count()
            first.kill()  # the whole worker, mid-run, as a machine that loses power
            assert remaining > 0
            workers.append(
                _inference_worker(world, namespace, broker_url=remote_broker, web_url=web_url, name="remote2")
            )
            done = harness.wait_until(lambda: _finished(job_ids), timeout=150, every=1, tick=_sweep)
        statuses = dict(
            InferenceJob.objects.filter(pk__in=job_ids).values_list("status").annotate(n=Count("id"))
        )
        assert done, f"jobs still active: {statuses}"
        assert statuses == {JobStatus.SUCCEEDED: 20}
        assert InferenceResult.objects.filter(job_id__in=job_ids).count() == 20
        assert all(r.images.count() == 4 for r in InferenceResult.objects.filter(job_id__in=job_ids))
        assert InferenceJob.objects.filter(pk__in=job_ids, attempts__gt=1).exists(), "the kill hit nothing"
        reads = AuditEvent.objects.filter(actor_username="system:inference-worker", outcome="success")
        assert {event.detail["inference_job"] for event in reads} == set(job_ids)  # every image came by HTTP
        assert not any((world["tmp"] / "remote2-media").iterdir())
        assert "OperationalError" not in (world["tmp"] / "remote2.log").read_text()
    finally:
        for worker in reversed(workers):
            worker.kill()
        web.stop()
        broker.stop()


def test_the_namespace_reaches_only_what_listens_on_the_hosts_end(namespace):
    """The test above rests on this: a port on the host's loopback is out of the namespace's reach."""
    with socket.socket() as loopback_only:
        loopback_only.bind(("127.0.0.1", 0))
        loopback_only.listen()
        port = loopback_only.getsockname()[1]
        with socket.socket() as on_host_end:
            on_host_end.bind((namespace.host_ip, 0))
            on_host_end.listen()
            assert _reachable_from(namespace, namespace.host_ip, on_host_end.getsockname()[1])
            assert not _reachable_from(namespace, namespace.host_ip, port)
            assert not _reachable_from(namespace, "127.0.0.1", port)
    assert os.path.exists(f"/run/netns/{namespace.name}")
