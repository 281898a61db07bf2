"""Benchmark of DICOM ingestion through the browser-upload API and C-STORE, against the floor.

    .venv/bin/python bench/bench_ingestion.py [--ct 400] [--mg 24] [--senders 4]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_ingest .venv/bin/python bench/bench_ingestion.py

Generates small CT slices (512x512, 16-bit) and full-size mammograms (2294x1914, 16-bit), each
with its own UIDs. The floor, measured in the same run, is pydicom parsing each file and writing
it to disk in this process: no web, no database. The end-to-end paths run as real servers on a
throwaway database: gunicorn serving POST /api/v1/imaging/uploads/ (the upload path scripts and
the upload page share), and `manage.py dicom_listener` for C-STORE, each fed by N concurrent
senders: curl processes for the upload and DCMTK storescu processes for C-STORE, as light as a
script and a modality (Python threads where those are not installed; the run prints which).
Printed: instances/s and MB/s per path and kind, and the ratio to the floor.
"""

import argparse
import io
import itertools
import json
import os
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "screening.config.settings.base"

from bench_orthanc import ORTHANC, ORTHANC_POSTGRESQL, OrthancPeer
from bench_support import CpuMeter, bench_user, database_backends, process_tree, throwaway_database

ROOT = Path(__file__).resolve().parent.parent
# What static/js/upload.js puts in one request (views.UPLOAD_MAX_FILES, UPLOAD_BATCH_MEGABYTES).
UPLOAD_BATCH_FILES = 50
UPLOAD_BATCH_MEGABYTES = 16
PYTHON = sys.executable
# Senders as light as a real script's or modality's (C and C++), when installed.
CURL = shutil.which("curl")
STORESCU = shutil.which("storescu")


def dicom_files(kind: str, count: int, seed: int = 11) -> list[bytes]:
    """`count` Part 10 files of a kind ('ct' or 'mg') with random-textured pixels."""
    import numpy as np
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    rng = np.random.default_rng(seed)
    rows, columns, sop_class, modality = (
        (512, 512, pydicom.uid.CTImageStorage, "CT")
        if kind == "ct"
        else (2294, 1914, pydicom.uid.DigitalMammographyXRayImageStorageForPresentation, "MG")
    )
    base = rng.integers(0, 4096, size=(rows, columns), dtype=np.uint16)
    files = []
    study_uid = generate_uid()
    series_uid = generate_uid()
    for index in range(count):
        if kind == "mg" and index % 4 == 0:
            study_uid, series_uid = generate_uid(), generate_uid()
        ds = pydicom.Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = sop_class
        ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID, ds.SOPInstanceUID = sop_class, ds.file_meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
        ds.PatientID, ds.PatientName, ds.Modality = f"BENCH{index // 4:05d}", "Bench^Participant", modality
        ds.StudyDate, ds.InstanceNumber = "20260101", index + 1
        ds.Rows, ds.Columns, ds.SamplesPerPixel = rows, columns, 1
        ds.PhotometricInterpretation, ds.BitsAllocated, ds.BitsStored = "MONOCHROME2", 16, 12
        ds.HighBit, ds.PixelRepresentation = 11, 0
        if kind == "mg":
            ds.ImageLaterality, ds.ViewPosition = "RL"[index % 2], ("CC", "MLO")[index // 2 % 2]
        ds.PixelData = np.roll(base, index, axis=1).tobytes()
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        files.append(buffer.getvalue())
    return files


def floor(files: list[bytes], directory: Path) -> float:
    """Seconds for pydicom to parse each file and write it to disk: no web, no database."""
    import pydicom

    started = time.perf_counter()
    for index, data in enumerate(files):
        ds = pydicom.dcmread(io.BytesIO(data))
        ds.save_as(directory / f"{index}.dcm", enforce_file_format=True)
    return time.perf_counter() - started


def concurrently(files: list[Any], senders: int, send: Callable[[list[Any]], None]) -> float:
    """Seconds for `senders` threads to send their share of the files each."""
    shares = [files[i::senders] for i in range(senders)]
    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float = 120) -> None:  # a loaded machine starts servers slowly
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


def request_batches(
    files: list[Any], max_files: int, max_bytes: int, size: Callable[[Any], int] = len
) -> list[list[Any]]:
    """Files grouped as the upload page's script groups them: at most max_files and max_bytes a request
    (a file larger than max_bytes goes alone)."""
    batches: list[list[Any]] = []
    total = 0
    for file in files:
        if not batches or len(batches[-1]) >= max_files or (batches[-1] and total + size(file) > max_bytes):
            batches.append([])
            total = 0
        batches[-1].append(file)
        total += size(file)
    return batches


def upload_sender(port: int, token: str, max_files: int, max_bytes: int) -> Callable[[list[bytes]], None]:
    """Fallback without curl: a Python sender (requests) per thread."""
    import requests

    def send(share: list[bytes]) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Token {token}"
            for batch in request_batches(share, max_files, max_bytes):
                response = session.post(
                    f"http://127.0.0.1:{port}/api/v1/imaging/uploads/",
                    files=[
                        ("file", (f"{index}.dcm", data, "application/dicom"))
                        for index, data in enumerate(batch)
                    ],
                    timeout=300,
                )
                assert response.status_code in (200, 201), response.text[:300]
                statuses = [outcome["status"] for outcome in response.json()]
                assert statuses == ["stored"] * len(batch), response.text[:300]

    return send


def cstore_sender(port: int) -> Callable[[list[Path]], None]:
    """Fallback without storescu: pynetdicom per thread, sending each file's bytes as they are."""
    from pydicom.uid import CTImageStorage, DigitalMammographyXRayImageStorageForPresentation
    from pynetdicom import AE

    def send(share: list[Path]) -> None:
        ae = AE(ae_title="BENCHSCU")
        ae.add_requested_context(CTImageStorage)
        ae.add_requested_context(DigitalMammographyXRayImageStorageForPresentation)
        association = ae.associate("127.0.0.1", port, ae_title="SCREENING")
        assert association.is_established
        try:
            for path in share:
                status = association.send_c_store(path)
                assert status and status.Status == 0x0000, status
        finally:
            association.release()

    return send


def in_processes(commands: list[list[str]], outbox: Path) -> float:
    """Seconds for the commands to run side by side (one process each); each must succeed."""
    logs = [outbox / f"sender{index}.log" for index in range(len(commands))]
    started = time.perf_counter()
    processes = []
    for command, log in zip(commands, logs, strict=True):
        with log.open("wb") as output:
            processes.append(subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT))
    codes = [process.wait() for process in processes]
    seconds = time.perf_counter() - started
    for code, log in zip(codes, logs, strict=True):
        assert code == 0, f"a sender failed ({code}): {log.read_text()[-600:]}"
    return seconds


def curl_commands(
    port: int, token: str, shares: list[list[Path]], max_files: int, max_bytes: int
) -> list[list[str]]:
    """One curl per sender, its requests chained with --next over one kept-alive connection, files
    grouped per request as the upload page's script groups them; each response kept for checking."""
    url = f"http://127.0.0.1:{port}/api/v1/imaging/uploads/"
    commands = []
    for number, share in enumerate(shares):
        command = [CURL]
        sizes = {path: path.stat().st_size for path in share}
        batches = request_batches(share, max_files, max_bytes, size=sizes.__getitem__)
        for index, batch in enumerate(batches):
            if index:
                command.append("--next")
            command += ["-sS", "--fail-with-body", "-H", f"Authorization: Token {token}"]
            command += ["-o", str(share[0].parent / f"response-{number}-{index}.json")]
            for path in batch:
                command += ["-F", f"file=@{path};type=application/dicom"]
            command.append(url)
        commands.append(command)
    return commands


def storescu_commands(port: int, shares: list[list[Path]]) -> list[list[str]]:
    """One storescu per sender, one association for its share: only the files' SOP classes proposed
    (-R), explicit VR little endian first (-xe, the files' own syntax, so they go as they are),
    the largest PDU storescu allows (the listener accepts more)."""
    return [
        [
            STORESCU,
            "-R",
            "-xe",
            "-aet",
            "BENCH",
            "-aec",
            "SCREENING",
            "-pdu",
            "131072",
            "127.0.0.1",
            str(port),
        ]
        + [str(path) for path in share]
        for share in shares
    ]


class Senders:
    """The senders of one run: curl and storescu processes where installed, else Python threads."""

    def __init__(
        self, count: int, web_port: int, dicom_port: int, token: str, max_files: int, max_bytes: int
    ):
        self.count, self.web_port, self.dicom_port, self.token = count, web_port, dicom_port, token
        self.max_files, self.max_bytes = max_files, max_bytes

    def describe(self) -> str:
        upload = (
            f"{self.count} curl processes" if CURL else f"{self.count} Python threads (requests; no curl)"
        )
        cstore = (
            f"{self.count} storescu processes (DCMTK), one association each"
            if STORESCU
            else f"{self.count} Python threads (pynetdicom; no storescu: apt-get install dcmtk)"
        )
        return f"Upload senders: {upload}; C-STORE senders: {cstore}"

    def upload(self, files: list[bytes]) -> float:
        """Seconds to upload the files; every one must be reported stored."""
        outbox = _outbox(files, "bench-upload-outbox-")
        try:
            if not CURL:
                return concurrently(
                    files,
                    self.count,
                    upload_sender(self.web_port, self.token, self.max_files, self.max_bytes),
                )
            shares = _shares(sorted(outbox.glob("*.dcm")), self.count)
            seconds = in_processes(
                curl_commands(self.web_port, self.token, shares, self.max_files, self.max_bytes), outbox
            )
            statuses = [
                outcome["status"]
                for response in outbox.glob("response-*.json")
                for outcome in json.loads(response.read_text())
            ]
            assert statuses == ["stored"] * len(files), (
                f"upload outcomes: {sorted(set(statuses))}, {len(statuses)}"
            )
            return seconds
        finally:
            shutil.rmtree(outbox)

    def orthanc(self, peer: OrthancPeer, files: list[bytes]) -> float:
        """Seconds for Orthanc's REST to take the files, one a request; every one must be stored."""
        assert CURL
        outbox = _outbox(files, "bench-orthanc-outbox-")
        try:
            before = peer.instance_count()
            commands = peer.curl_commands(CURL, _shares(sorted(outbox.glob("*.dcm")), self.count))
            seconds = in_processes(commands, outbox)
            assert peer.instance_count() == before + len(files), "Orthanc did not store every file"
            return seconds
        finally:
            shutil.rmtree(outbox)

    def cstore(self, files: list[bytes], port: int | None = None) -> float:
        """Seconds to send the files by C-STORE from disk to our listener (the one on `port`, else
        the first); every store must succeed."""
        port = port or self.dicom_port
        outbox = _outbox(files, "bench-cstore-outbox-")
        try:
            paths = sorted(outbox.glob("*.dcm"))
            if not STORESCU:
                return concurrently(paths, self.count, cstore_sender(port))
            return in_processes(storescu_commands(port, _shares(paths, self.count)), outbox)
        finally:
            shutil.rmtree(outbox)

    def orthanc_cstore(self, peer: OrthancPeer, files: list[bytes]) -> float:
        """Seconds for Orthanc's C-STORE SCP to take the files from the same storescu senders."""
        assert STORESCU
        outbox = _outbox(files, "bench-orthanc-cstore-outbox-")
        try:
            before = peer.instance_count()
            shares = _shares(sorted(outbox.glob("*.dcm")), self.count)
            seconds = in_processes(peer.storescu_commands(STORESCU, shares), outbox)
            assert peer.instance_count() == before + len(files), "Orthanc did not store every file"
            return seconds
        finally:
            shutil.rmtree(outbox)


def _outbox(files: list[bytes], prefix: str) -> Path:
    outbox = Path(tempfile.mkdtemp(prefix=prefix))
    for index, data in enumerate(files):
        (outbox / f"{index:06d}.dcm").write_bytes(data)
    return outbox


def _shares(paths: list[Path], senders: int) -> list[list[Path]]:
    return [paths[i::senders] for i in range(senders)]


def warm_up(kind: str, senders: Senders, upload: bool, listener_ports: list[int]) -> int:
    """Untimed: a few files of the kind through every path, so each server process has loaded its
    code, opened its database connection and filled its caches, as a long-running server has.
    Returns the number of instances stored."""
    stored = 0
    if upload:
        # Enough requests, one file each at worst, that every gunicorn worker and thread has served some.
        senders.upload(dicom_files(kind, 10 * senders.count, seed=99))
        stored += 10 * senders.count
    for number, port in enumerate(listener_ports):
        # Several stores per association, so every listener process has stored some.
        senders.cstore(dicom_files(kind, 4 * senders.count, seed=100 + number), port)
        stored += 4 * senders.count
    return stored


def start(
    command: list[str], env: dict[str, str], port: int, log: Path, ready: str = "", count: int = 0
) -> subprocess.Popen:
    """Start a server whose output goes to a file (an unread pipe would fill up and stall it); with
    `ready`, wait until `count` lines of the log say it (each listener process serving)."""
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    wait_for_port(port)
    deadline = time.time() + 300
    while ready and log.read_text(errors="replace").count(ready) < count:
        assert time.time() < deadline and process.poll() is None, log.read_text()[-2000:]
        time.sleep(0.2)
    return process


def report(label: str, count: int, megabytes: float, seconds: float, floor_rate: float | None) -> float:
    rate = count / seconds
    ratio = f"; {rate / floor_rate:.2f}x the floor" if floor_rate else ""
    throughput = f"{rate:7.1f} instances/s, {megabytes / seconds:6.1f} MB/s"
    print(f"{label:<34} {count:5d} in {seconds:6.2f} s: {throughput}{ratio}")
    return rate


def listener_command(port: int, processes: int) -> list[str]:
    return [
        PYTHON,
        "manage.py",
        "dicom_listener",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ae-title",
        "SCREENING",
        "--processes",
        str(processes),
    ]


def orthanc_database(settings_dict: dict[str, Any], create: bool) -> dict[str, object]:
    """A throwaway PostgreSQL database for Orthanc's index, on our server (created or dropped)."""
    import psycopg

    name = f"bench_orthanc_{os.getpid()}"
    params = {"Host": settings_dict["HOST"] or "127.0.0.1", "Port": int(settings_dict["PORT"] or 5432)}
    params |= {
        "Database": name,
        "Username": settings_dict["USER"],
        "Password": settings_dict["PASSWORD"] or "",
    }
    url = f"postgres://{params['Username']}@{params['Host']}:{params['Port']}/postgres"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            admin.execute(f'CREATE DATABASE "{name}"')
    return params


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main() -> None:
    import logging

    logging.getLogger("pynetdicom").setLevel(logging.WARNING)  # the senders' per-store lines
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ct", type=int, default=400)
    parser.add_argument("--mg", type=int, default=24)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument(
        "--no-cstore", action="store_true", help="leave C-STORE out (upload and Orthanc only)"
    )
    parser.add_argument(
        "--cstore-only", action="store_true", help="C-STORE only (no upload, no Orthanc REST)"
    )
    parser.add_argument(
        "--listener-processes",
        type=int,
        default=None,
        help="processes of the multi-process listener (default: DICOM_LISTENER_PROCESSES, the CPU count);"
        " a one-process listener is measured beside it",
    )
    parser.add_argument(
        "--upload-files",
        type=int,
        default=UPLOAD_BATCH_FILES,
        help="files per upload request at most (the upload page's script: %(default)s; 1: one per request)",
    )
    parser.add_argument(
        "--upload-megabytes",
        type=int,
        default=UPLOAD_BATCH_MEGABYTES,
        help="megabytes per upload request at most (the upload page's script: %(default)s)",
    )
    args = parser.parse_args()

    media = Path(tempfile.mkdtemp(prefix="bench-ingest-media-"))
    os.environ["MEDIA_ROOT"] = str(media)
    database, teardown = throwaway_database("bench-ingest-")
    from django.conf import settings
    from django.db import connection

    from screening.core.api_token_services import api_token_issue
    from screening.imaging.models import Instance

    actor = bench_user("bench-uploader", "coordinator")
    token = api_token_issue(actor=actor, user=actor.user).key
    settings_dict = connection.settings_dict
    postgresql = settings_dict["ENGINE"].endswith("postgresql")
    env = {**os.environ, "MEDIA_ROOT": str(media), "DJANGO_SETTINGS_MODULE": "screening.config.settings.base"}
    if postgresql:
        env["DATABASE_URL"] = (
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
        )
    processes = args.listener_processes or int(settings.DICOM_LISTENER_PROCESSES)
    upload = not args.cstore_only
    cstore = not args.no_cstore
    servers: list[subprocess.Popen] = []
    orthanc: OrthancPeer | None = None
    orthanc_peers: dict[str, OrthancPeer] = {}
    listeners: dict[str, int] = {}
    try:
        print(f"Database: {database}; {args.senders} concurrent senders; {os.cpu_count()} CPUs; {load()}")
        web_port = free_port()
        if upload:
            print(
                f"Upload requests carry at most {args.upload_files} files and {args.upload_megabytes} MB each"
            )
            web = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
            print(f"gunicorn (gunicorn.conf.py): {web['workers']} workers x {web['threads']} threads")
            command = [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{web_port}"]
            servers.append(
                start([*command, "--access-logfile", "/dev/null"], env, web_port, media / "gunicorn.log")
            )
        if cstore:
            # Every sender connects from 127.0.0.1: one peer address, so allow each its association.
            listener_env = {**env, "DICOM_LISTENER_MAX_ASSOCIATIONS_PER_PEER": str(max(8, 2 * args.senders))}
            for count in sorted({processes, 1}, reverse=True):
                port = free_port()
                log = media / f"listener-{count}.log"
                servers.append(
                    start(
                        listener_command(port, count),
                        listener_env,
                        port,
                        log,
                        "DICOM listener SCREENING on",
                        count,
                    )
                )
                listeners[f"C-STORE, {count} listener process{'es' if count > 1 else ''}"] = port
        if ORTHANC and CURL and upload:
            print(
                "Orthanc peer: its REST ingest (POST /instances, one file a request), same files and senders"
            )
        elif upload:
            print("Orthanc column skipped: Orthanc (apt-get install orthanc) or curl is not installed")
        if ORTHANC and ((CURL and upload) or (STORESCU and cstore)):
            orthanc = OrthancPeer(free_port(), wait_for_port, dicom_port=free_port() if cstore else None)
            if cstore and STORESCU:
                orthanc_peers["Orthanc C-STORE (SQLite index)"] = orthanc
        if ORTHANC and ORTHANC_POSTGRESQL and postgresql and cstore and STORESCU:
            index = orthanc_database(settings_dict, create=True)
            orthanc_peers["Orthanc C-STORE (PostgreSQL index)"] = OrthancPeer(
                free_port(), wait_for_port, dicom_port=free_port(), postgresql=index
            )
            print(
                f"Orthanc with PostgreSQL: the orthanc-postgresql index plugin, database {index['Database']}"
            )
        elif cstore:
            print("Orthanc-PostgreSQL skipped: needs Orthanc, orthanc-postgresql, storescu and DATABASE_URL")
        senders = Senders(
            args.senders,
            web_port,
            next(iter(listeners.values()), 0),
            token,
            args.upload_files,
            args.upload_megabytes * 1024 * 1024,
        )
        print(senders.describe())
        for kind, count in (("ct", args.ct), ("mg", args.mg)):
            if count:
                bench_kind(
                    kind,
                    count,
                    senders,
                    upload,
                    orthanc if CURL and upload else None,
                    listeners,
                    orthanc_peers,
                    servers[0].pid if upload else None,
                )
        del Instance
    finally:
        for peer in {id(peer): peer for peer in [orthanc, *orthanc_peers.values()] if peer}.values():
            peer.stop()
        if "Orthanc C-STORE (PostgreSQL index)" in orthanc_peers:
            orthanc_database(settings_dict, create=False)
        for server in servers:
            server.terminate()
            try:
                server.wait(timeout=60)  # gunicorn's workers finish their requests first
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        connection.close()
        teardown()
        shutil.rmtree(media, ignore_errors=True)


def bench_kind(
    kind: str,
    count: int,
    senders: Senders,
    upload: bool,
    orthanc_rest: OrthancPeer | None,
    listeners: dict[str, int],
    orthanc_peers: dict[str, OrthancPeer],
    web_pid: int | None = None,
) -> None:
    """One kind of file through every path, each rate beside the floor; the C-STORE ratios to goals."""
    from screening.imaging.models import Instance

    label = "CT slice 512x512" if kind == "ct" else "MG 2294x1914"
    upload_files = dicom_files(kind, count, seed=1) if upload else []
    cstore_files = {name: dicom_files(kind, count, seed=2 + number) for number, name in enumerate(listeners)}
    sample = upload_files or next(iter(cstore_files.values()))
    megabytes = sum(len(f) for f in sample) / 1e6
    scratch = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    floor_rate = report(f"{label}: floor (parse + write)", count, megabytes, floor(sample, scratch), None)
    shutil.rmtree(scratch)
    stored = Instance.objects.count() + warm_up(kind, senders, upload, list(listeners.values()))
    if upload:
        requests = len(request_batches(upload_files, senders.max_files, senders.max_bytes))
        web_cpu = CpuMeter(lambda: process_tree(web_pid) if web_pid else [])
        database_cpu = CpuMeter(database_backends)
        upload_rate = report(
            f"{label}: upload (HTTP API)", count, megabytes, senders.upload(upload_files), floor_rate
        )
        print(
            f"{label}: upload CPU per request: gunicorn {web_cpu.per_request(requests):.1f} ms,"
            f" PostgreSQL {database_cpu.per_request(requests):.1f} ms ({requests} requests)"
        )
        stored += count
        if orthanc_rest:
            senders.orthanc(orthanc_rest, dicom_files(kind, 2 * senders.count, seed=98))  # warm-up
            orthanc_cpu = CpuMeter(lambda: [orthanc_rest.process.pid])
            seconds = senders.orthanc(orthanc_rest, upload_files)
            orthanc_rate = report(f"{label}: Orthanc REST", count, megabytes, seconds, floor_rate)
            print(f"{label}: Orthanc CPU per request: {orthanc_cpu.per_request(count):.1f} ms")
            print(f"{label}: upload / Orthanc REST = {upload_rate / orthanc_rate:.2f}x")
    # Interleaved (ours, Orthanc, ours, Orthanc) so a drift in the machine's load falls on both.
    rates: dict[str, float] = {}
    peers = sorted(orthanc_peers, key=lambda name: "PostgreSQL" not in name)  # PostgreSQL's first
    order = [name for pair in itertools.zip_longest(listeners, peers) for name in pair if name]
    for name in order:
        if name in listeners:
            seconds = senders.cstore(cstore_files[name], listeners[name])
            stored += count
        else:
            peer = orthanc_peers[name]
            senders.orthanc_cstore(peer, dicom_files(kind, 2 * senders.count, seed=97))  # warm-up
            seconds = senders.orthanc_cstore(peer, next(iter(cstore_files.values())))
        rates[name] = report(f"{label}: {name}", count, megabytes, seconds, floor_rate)
        print(f"    ({load()})")
    assert Instance.objects.count() == stored, "not every instance was stored"
    ours = [name for name in listeners if rates.get(name)]
    if not ours:
        return
    best = ours[0]  # the most processes
    for name in ours[1:]:
        print(f"{label}: {best} / {name} = {rates[best] / rates[name]:.2f}x")
    print(f"{label}: {best} / floor = {rates[best] / floor_rate:.2f}x (goal >= 0.5x)")
    for name in orthanc_peers:
        goal = " (goal >= 2x)" if "PostgreSQL" in name else ""
        print(f"{label}: {best} / {name} = {rates[best] / rates[name]:.2f}x{goal}")


if __name__ == "__main__":
    main()
