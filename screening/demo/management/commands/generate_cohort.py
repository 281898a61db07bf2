"""`manage.py generate_cohort`: a deterministic synthetic cohort with images and ground truth."""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from screening.core.actors import Actor
from screening.demo.synthetic_cohort import cohort_generate
from screening.demo.synthetic_senders import Sender, cstore_sender, stow_sender, upload_sender
from screening.outcomes.episode_truth import add_months


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
        parser.add_argument(
            "--model", default="", help="name:version scoring the campaign (default: the programme's latest)"
        )
        parser.add_argument(
            "--shadow-model", default="", help="name:version the campaign runs in shadow (docs/promotion.md)"
        )
        earlier = parser.add_mutually_exclusive_group()
        earlier.add_argument(
            "--screened-on",
            type=date.fromisoformat,
            help="An earlier round: its first screening day (YYYY-MM-DD), before today",
        )
        earlier.add_argument(
            "--months-ago", type=int, help="An earlier round screened this many months ago (1 or more)"
        )

    def handle(self, *args: object, **options) -> None:  # type: ignore[no-untyped-def]
        if options["patients"] < 1 or not 0 <= options["prevalence"] <= 1:
            raise CommandError("--patients must be positive and --prevalence between 0 and 1.")
        screened_on = options["screened_on"]
        if options["months_ago"] is not None:
            if options["months_ago"] < 1:
                raise CommandError("--months-ago must be 1 or more.")
            screened_on = add_months(timezone.localdate(), -options["months_ago"])
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
                screened_on=screened_on,
                shadow_model=options["shadow_model"],
                active_model=options["model"],
            )
        except ValidationError as error:  # no radiologist to read it, or an earlier round not earlier
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
