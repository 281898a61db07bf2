"""Run the DICOM C-STORE receiver and modality worklist until interrupted (SIGTERM or SIGINT)."""

import argparse
import gc
import socket
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from screening.imaging.dicom_listener import (
    DEFAULT_AE_TITLE,
    DEFAULT_PORT,
    ListenerConfig,
    allowed_calling_aets,
    listener_start,
)
from screening.imaging.listener_peers import SharedPeerCounts
from screening.imaging.listener_processes import (
    ListenerProcesses,
    peer_slots,
    server_stop,
    stop_signals_handled,
)


class Command(BaseCommand):
    help = (
        "Receive images by DICOM C-STORE and hand them to intake; answer C-ECHO and Modality Worklist C-FIND."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="0.0.0.0", help="Address to listen on")  # noqa: S104
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)
        parser.add_argument("--ae-title", default=DEFAULT_AE_TITLE, help="Our AE title")
        parser.add_argument(
            "--allowed-aets",
            default="",
            help="Comma list of calling AE titles to accept (default: DICOM_ALLOWED_CALLING_AETS, else any)",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="Listener processes on the port (default: DICOM_LISTENER_PROCESSES, else the CPU count)",
        )
        parser.add_argument(
            "--stop-grace",
            type=float,
            default=10.0,
            help="Seconds open associations may finish in when stopping, before they are aborted",
        )
        # A child of the parent of --processes N: the parent's socket, and its place in the peer table.
        parser.add_argument("--child-socket", type=int, default=None, help=argparse.SUPPRESS)
        parser.add_argument("--child-peers", default=None, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        config = ListenerConfig(
            host=options["host"],
            port=options["port"],
            ae_title=options["ae_title"],
            allowed_calling_aets=allowed_calling_aets(options["allowed_aets"]),
        )
        processes = options["processes"] or int(settings.DICOM_LISTENER_PROCESSES)
        grace = options["stop_grace"]
        if options["child_socket"] is not None:
            path, count, index = str(options["child_peers"]).rsplit(":", 2)
            peers = SharedPeerCounts(Path(path), int(count), peer_slots(), int(index))
            self._serve_one(config, grace, socket.socket(fileno=options["child_socket"]), peers)
        elif processes > 1:
            stop = stop_signals_handled()
            child_arguments = ["--host", config.host, "--ae-title", config.ae_title, "--processes", "1"]
            child_arguments += ["--allowed-aets", ",".join(config.allowed_calling_aets)]
            parent = ListenerProcesses(child_arguments, processes, config.host, config.port, grace)
            self.stdout.write(
                f"Listening as {config.ae_title} on {config.host}:{parent.port} with {processes} processes",
            )
            self.stdout.flush()
            parent.serve(stop)
            self.stdout.write("Stopped.")
        else:
            self._serve_one(config, grace)

    def _serve_one(
        self,
        config: ListenerConfig,
        grace: float,
        listening: socket.socket | None = None,
        peers: SharedPeerCounts | None = None,
    ) -> None:
        stop = stop_signals_handled()
        # What start-up loaded stays for the process's life: keep it out of every collection.
        gc.freeze()
        server = listener_start(config, block=False, listening_socket=listening, shared_peers=peers)
        assert server is not None
        if listening is None:
            self.stdout.write(f"Listening as {config.ae_title} on {config.host}:{server.server_address[1]}")
            self.stdout.flush()
        while not stop.wait(0.5):
            pass
        server_stop(server, grace)
        if peers is not None:
            peers.close()
        if listening is None:
            self.stdout.write("Stopped.")
