"""Real Celery workers as subprocesses, a private redis-server, the test process on a real broker.

Workers run `python -m celery -A screening.config.celery worker` with the test database
(PostgreSQL, committed data), the test's media folder and model registry, and shrunken time limits,
visibility timeout and lease, so the fault tests finish in minutes.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from kombu import pools

from screening.config.celery import app as celery_app

REPO = Path(settings.BASE_DIR)
POISON_MODULE = "tests.inference_jobs.poison_architecture"
# Shrunken limits: time limits < visibility timeout; lease > hard time limit.
FAST_LIMITS = {
    "CELERY_VISIBILITY_TIMEOUT": "20",
    "CELERY_UNACKED_RESTORE_INTERVAL": "2",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    "INFERENCE_TASK_SOFT_TIME_LIMIT": "10",
    "INFERENCE_TASK_TIME_LIMIT": "12",
    "INFERENCE_LEASE_SECONDS": "15",
    "INFERENCE_DISPATCH_TIMEOUT_SECONDS": "90",
    "INFERENCE_RETRY_BACKOFF_SECONDS": "1",
    "INFERENCE_RETRY_BACKOFF_MAX_SECONDS": "4",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def model_root_with_poison(root: Path) -> Path:
    """The shipped breast demo model, and a 'poison' copy of it whose network kills its worker."""
    demo = sorted((REPO / "models" / "breast-demo").glob("*/model_card.json"))[-1].parent
    shutil.copytree(demo, root / "breast-demo" / demo.name)
    poison = root / "poison" / "1"
    shutil.copytree(demo, poison)
    card = json.loads((poison / "model_card.json").read_text())
    card.update(name="poison", version="1", architecture="test_poison_camnet")
    (poison / "model_card.json").write_text(json.dumps(card))
    return root


class Worker:
    """One `celery worker` process group; kill its pool children or all of it."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        *,
        name: str,
        concurrency: int = 2,
        queues: str = "inference,default",
        prefix: Sequence[str] = (),
    ) -> None:
        """`prefix` runs the worker inside something (`ip netns exec NAME`), which must exec it."""
        self.log_path = log
        command = [
            *prefix,
            sys.executable,
            "-m",
            "celery",
            "-A",
            "screening.config.celery",
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency),
            "-n",
            f"{name}@%h",
            "-l",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited: {self.log_path.read_text()[-3000:]}")
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.3)
        raise AssertionError(f"worker not ready: {self.log_path.read_text()[-3000:]}")

    def kill_child(self) -> bool:
        children = self.children()
        if not children:
            return False
        os.kill(children[0], signal.SIGKILL)
        return True

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool), as a machine that loses power."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()


class RedisServer:
    """A private redis-server with an append-only file, restartable on the same port."""

    def __init__(self, folder: Path, *, bind: Sequence[str] = ("127.0.0.1",)) -> None:
        self.folder, self.port, self.bind = folder, free_port(), list(bind)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--port",
                str(self.port),
                "--bind",
                *self.bind,
                "--protected-mode",
                "no",  # the addresses bound are the whole of its exposure
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis flushes the append-only file and exits
            self.process.wait(10)


def worker_environment(
    *, broker_url: str, media_root: Path, model_root: Path, var_dir: Path
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "INFERENCE_", "DJANGO_", "DATABASE_"))
    }
    env.update(FAST_LIMITS)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "screening.config.settings.base",
            "DATABASE_URL": test_database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": broker_url,
            "MEDIA_ROOT": str(media_root),
            "SCREENING_VAR_DIR": str(var_dir),
            "INFERENCE_MODEL_ROOT": str(model_root),
            "INFERENCE_ARCHITECTURE_MODULES": POISON_MODULE,
            "PYTHONPATH": str(REPO),
            "OMP_NUM_THREADS": "1",
        }
    )
    return env


@contextmanager
def real_broker(url: str, transport_options: dict[str, object]) -> Iterator[None]:
    """Make this (test) process publish to a real broker instead of running tasks eagerly."""
    saved = {
        key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")
    }
    _reset_connections()
    celery_app.conf.update(
        broker_url=url, task_always_eager=False, broker_transport_options=transport_options
    )
    try:
        yield
    finally:
        _reset_connections()
        celery_app.conf.update(saved)


def _reset_connections() -> None:
    """Forget pooled broker connections (kombu keeps them per broker URL, process-wide)."""
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def purge(queues: tuple[str, ...] = ("inference", "default")) -> None:
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in queues:
            try:
                channel.queue_purge(queue)
            except Exception:
                channel = conn.channel()


def wait_until(
    done: Callable[[], bool], *, timeout: float, every: float = 1.0, tick: Callable[[], None] | None = None
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return True
        if tick is not None:
            tick()
        time.sleep(every)
    return done()
