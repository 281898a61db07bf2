"""Run the DICOM C-STORE receiver and modality worklist until interrupted."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from screening.imaging.dicom_listener import (
    DEFAULT_AE_TITLE,
    DEFAULT_PORT,
    ListenerConfig,
    allowed_calling_aets,
    listener_start,
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

    def handle(self, *args: Any, **options: Any) -> None:
        config = ListenerConfig(
            host=options["host"],
            port=options["port"],
            ae_title=options["ae_title"],
            allowed_calling_aets=allowed_calling_aets(options["allowed_aets"]),
        )
        self.stdout.write(f"Listening as {config.ae_title} on {config.host}:{config.port}")
        try:
            listener_start(config, block=True)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
