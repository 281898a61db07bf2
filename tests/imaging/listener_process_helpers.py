"""`manage.py dicom_listener --processes N` as a real process tree on the test database, and
pynetdicom modalities sending to it from threads (each its own association)."""

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from pydicom.dataset import Dataset
from pynetdicom import AE

from screening.imaging.models import Instance

STARTUP_SECONDS = 240  # Django starts slowly on a loaded machine, once per process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_for_children(folder: Path) -> tuple[str, Callable[[list[str]], dict[str, int]]]:
    """A DATABASE_URL the listener processes share with the test, and a count of stored instances
    per SOP instance UID (committed rows). SQLite's in-memory test database is copied to a file."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        url = (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )

        def counted(uids: list[str]) -> dict[str, int]:
            rows = Instance.objects.filter(sop_instance_uid__in=uids).values_list(
                "sop_instance_uid", flat=True
            )
            return {uid: list(rows).count(uid) for uid in set(rows)}

        return url, counted
    path = folder / "listener.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)

    def counted_in_file(uids: list[str]) -> dict[str, int]:
        with contextlib.closing(sqlite3.connect(path)) as database:
            marks = ",".join("?" * len(uids))
            query = "SELECT sop_instance_uid, count(*) FROM imaging_instance"
            query += f" WHERE sop_instance_uid IN ({marks}) GROUP BY 1"
            return dict(database.execute(query, uids).fetchall())

    return f"sqlite:///{path}", counted_in_file


class ListenerTree:
    """The parent and its children; their pids from /proc."""

    def __init__(self, folder: Path, processes: int, database_url: str, per_peer: int = 16) -> None:
        self.port = free_port()
        self.log = folder / "listener.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "screening.config.settings.base",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(folder / "media"),
            "AUDIT_CHECKPOINT_PATH": str(folder / "audit-checkpoints.log"),
            "DICOM_LISTENER_MAX_ASSOCIATIONS_PER_PEER": str(per_peer),
        }
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "dicom_listener"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--processes", str(processes)]
        command += ["--stop-grace", "5"]
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        self.processes = processes
        self.wait_for(lambda: len(self.children()) == processes and self._all_serving(), "children serving")

    def children(self) -> list[int]:
        found = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        with contextlib.suppress(OSError):
            return [int(pid) for pid in found.read_text().split()]
        return []

    def serving(self) -> int:
        """Listener processes that have started serving, restarted ones included."""
        return self.log.read_text(errors="replace").count("DICOM listener SCREENING on")

    def _all_serving(self) -> bool:
        return self.serving() >= self.processes

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not condition():
            assert self.process.poll() is None, f"the listener exited: {self.log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"no {what}: {self.log.read_text()[-2000:]}"
            time.sleep(0.2)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


@contextlib.contextmanager
def listener_tree(
    folder: Path, processes: int, database_url: str, per_peer: int = 16
) -> Iterator[ListenerTree]:
    tree = ListenerTree(folder, processes, database_url, per_peer)
    try:
        yield tree
    finally:
        children = tree.children()
        tree.stop()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def association(port: int, datasets: list[Dataset], calling_ae: str = "MODALITY1") -> Any:
    ae = AE(ae_title=calling_ae)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 120
    for sop_class, syntax in {(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID) for ds in datasets}:
        ae.add_requested_context(sop_class, syntax)
    return ae.associate("127.0.0.1", port, ae_title="SCREENING")


def send_concurrently(port: int, shares: list[list[Dataset]]) -> list[int]:
    """Each share sent over its own association from its own thread; every store's status."""
    statuses: list[int] = []
    lock = threading.Lock()

    def send(share: list[Dataset]) -> None:
        assoc = association(port, share)
        assert assoc.is_established, "association refused"
        try:
            for dataset in share:
                status = assoc.send_c_store(dataset)
                with lock:
                    statuses.append(int(status.Status) if status else -1)
        finally:
            assoc.release()

    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return statuses
