"""Orthanc as a peer for the ingestion benchmark: its REST ingest (`POST /instances`, one file per
request) on the same files with the same number of curl senders.

Debian's `orthanc` package (`apt-get install orthanc`); the benchmark starts its own Orthanc with
a temporary configuration and storage directory on a free port (never the system service) and
stops it at the end. Orthanc's defaults are kept otherwise (SQLite index, storage synced to disk).
"""

import json
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

ORTHANC = shutil.which("Orthanc")


class OrthancPeer:
    """One Orthanc server in a temporary directory, for one benchmark run."""

    def __init__(self, port: int, wait_for_port: object) -> None:
        assert ORTHANC, "Orthanc is not installed"
        self.port = port
        self.directory = Path(tempfile.mkdtemp(prefix="bench-orthanc-"))
        config = {
            "Name": "BENCH",
            "StorageDirectory": str(self.directory / "storage"),
            "IndexDirectory": str(self.directory / "index"),
            "HttpPort": port,
            "DicomServerEnabled": False,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "Plugins": [],
        }
        (self.directory / "orthanc.json").write_text(json.dumps(config))
        with (self.directory / "orthanc.log").open("wb") as log:
            self.process = subprocess.Popen(
                [ORTHANC, str(self.directory / "orthanc.json")], stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(port)  # type: ignore[operator]

    def instance_count(self) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/statistics", timeout=30) as response:
            return int(json.load(response)["CountInstances"])

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

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.directory, ignore_errors=True)
