"""Orthanc as a peer for the ingestion and outbound benchmarks, and as the PACS of the outbound
tests: its REST ingest (`POST /instances`, one file per request) on the same files with the same
number of curl senders; with a DICOM port, a C-STORE SCP that accepts any calling AE.

Debian's `orthanc` package (`apt-get install orthanc`); the benchmark starts its own Orthanc with
a temporary configuration and storage directory on a free port (never the system service) and
stops it at the end. Orthanc's defaults are kept otherwise (SQLite index, storage synced to disk).

With Debian's `orthanc-postgresql` (`apt-get install orthanc-postgresql`: its index plugin under
ORTHANC_PLUGINS), `OrthancPeer(..., postgresql=...)` keeps Orthanc's index in a PostgreSQL
database instead (files still on disk, as ours): the plugin's defaults otherwise (one index
connection, its database lock on).
"""

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ORTHANC = shutil.which("Orthanc")
ORTHANC_PLUGINS = Path("/usr/share/orthanc/plugins")
_POSTGRESQL_INDEX = ORTHANC_PLUGINS / "libOrthancPostgreSQLIndex.so"
ORTHANC_POSTGRESQL = _POSTGRESQL_INDEX if _POSTGRESQL_INDEX.exists() else None


class OrthancPeer:
    """One Orthanc server in a temporary directory, for one benchmark run."""

    def __init__(
        self,
        port: int,
        wait_for_port: object,
        *,
        dicom_port: int | None = None,
        postgresql: dict[str, object] | None = None,
    ) -> None:
        """`postgresql`: the index database's Host, Port, Database, Username and Password."""
        assert ORTHANC, "Orthanc is not installed"
        self.port = port
        self.dicom_port = dicom_port
        self.ae_title = "ORTHANC"
        self.directory = Path(tempfile.mkdtemp(prefix="bench-orthanc-"))
        config = {
            "Name": "BENCH",
            "StorageDirectory": str(self.directory / "storage"),
            "IndexDirectory": str(self.directory / "index"),
            "HttpPort": port,
            "DicomServerEnabled": dicom_port is not None,
            "DicomPort": dicom_port or 4242,
            "DicomAet": self.ae_title,
            "DicomCheckCalledAet": True,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "Plugins": [],
        }
        if postgresql is not None:
            assert ORTHANC_POSTGRESQL, "orthanc-postgresql is not installed"
            config["Plugins"] = [str(ORTHANC_POSTGRESQL)]
            config["PostgreSQL"] = {"EnableIndex": True, "EnableStorage": False, **postgresql}
        (self.directory / "orthanc.json").write_text(json.dumps(config))
        with (self.directory / "orthanc.log").open("wb") as log:
            self.process = subprocess.Popen(
                [ORTHANC, str(self.directory / "orthanc.json")], stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(port)  # type: ignore[operator]
        if dicom_port is not None:
            wait_for_port(dicom_port)  # type: ignore[operator]

    def rest(self, path: str) -> object:
        """A GET of Orthanc's REST API, decoded from JSON."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as response:
            return json.load(response)

    def rest_bytes(self, path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as response:
            return bytes(response.read())

    def instance_count(self) -> int:
        return int(self.rest("/statistics")["CountInstances"])  # type: ignore[index]

    def curl_commands(self, curl: str, shares: list[list[Path]]) -> list[list[str]]:
        """One curl per sender, one file per request (Orthanc's REST takes one file a request),
        the requests chained with --next over one kept-alive connection."""
        url = f"http://127.0.0.1:{self.port}/instances"
        commands = []
        for share in shares:
            command = [curl]
            for index, path in enumerate(share):
                if index:
                    command.append("--next")
                command += ["-sS", "--fail-with-body", "-o", "/dev/null"]
                command += ["-H", "Content-Type: application/dicom", "--data-binary", f"@{path}", url]
            commands.append(command)
        return commands

    def storescu_commands(self, storescu: str, shares: list[list[Path]]) -> list[list[str]]:
        """One DCMTK storescu per sender to Orthanc's DICOM port, as bench_ingestion sends to ours."""
        assert self.dicom_port is not None
        fixed = [storescu, "-R", "-xe", "-aet", "BENCH", "-aec", self.ae_title, "-pdu", "131072"]
        return [
            [*fixed, "127.0.0.1", str(self.dicom_port), *(str(path) for path in share)] for share in shares
        ]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.directory, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def orthanc_pacs() -> OrthancPeer:
    """A private Orthanc with REST and DICOM ports on free ports (the outbound tests' PACS)."""
    return OrthancPeer(free_port(), wait_for_port, dicom_port=free_port())
