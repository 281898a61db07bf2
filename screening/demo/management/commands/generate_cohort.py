"""`manage.py generate_cohort`: a deterministic synthetic cohort with images and ground truth."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from screening.core.actors import Actor
from screening.demo.synthetic_cohort import cohort_generate
from screening.demo.synthetic_senders import Sender, cstore_sender, stow_sender, upload_sender


class Command(BaseCommand):
    help = (
        "Generate a synthetic screening cohort (participants, consents, invitations, DICOM studies "
        "with known lesions and outcomes) and push its images through an intake path."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--programme", choices=["breast", "lung"], required=True)
        parser.add_argument("--patients", type=int, default=20)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--prevalence", type=float, default=0.2)
        parser.add_argument("--size", choices=["small", "full"], default="small")
        parser.add_argument("--send", choices=["upload", "cstore", "stow", "none"], default="upload")
        parser.add_argument("--out", type=Path, help="Folder for the files (default var/synthetic/...)")
        parser.add_argument("--host", default="127.0.0.1", help="C-STORE peer (with --send cstore)")
        parser.add_argument("--port", type=int, default=11112)
        parser.add_argument("--ae-title", default="SCREENING", help="Called AE title (with --send cstore)")
        parser.add_argument("--url", default="http://127.0.0.1:8000/dicomweb", help="With --send stow")
        parser.add_argument("--token", default="", help="API token (with --send stow)")

    def handle(self, *args: object, **options) -> None:  # type: ignore[no-untyped-def]
        if options["patients"] < 1 or not 0 <= options["prevalence"] <= 1:
            raise CommandError("--patients must be positive and --prevalence between 0 and 1.")
        out = (
            options["out"]
            or Path(settings.VAR_DIR) / "synthetic" / f"{options['programme']}-{options['seed']}"
        )
        try:
            summary = cohort_generate(
                actor=Actor.system("generate_cohort"),
                programme_code=options["programme"],
                patients=options["patients"],
                seed=options["seed"],
                prevalence=options["prevalence"],
                out_dir=out,
                sender=self._sender(options),
                size=options["size"],
            )
        except ValidationError as error:  # no campaign can be opened (no radiologist to read it)
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"{summary.studies} studies planned, {summary.new_participants} new participants, "
            f"{summary.invited} invited, {summary.did_not_attend} did not attend, "
            f"{summary.files_written} files written to {out}; sent: {summary.sent or 'not sent'}"
        )

    def _sender(self, options) -> Sender | None:  # type: ignore[no-untyped-def]
        if options["send"] == "upload":
            return upload_sender()
        if options["send"] == "cstore":
            return cstore_sender(host=options["host"], port=options["port"], called_ae=options["ae_title"])
        if options["send"] == "stow":
            if not options["token"]:
                raise CommandError("--send stow needs --token (an API token of a coordinator).")
            return stow_sender(url=options["url"], token=options["token"])
        return None
