"""`manage.py simulate_reads`: demo radiologists sign most synthetic reads, from the ground truth."""

from django.core.management.base import BaseCommand, CommandError

from screening.demo.read_simulation import reads_simulate


class Command(BaseCommand):
    help = (
        "Sign the open reads of a share of the synthetic studies as the demo radiologists (through "
        "the reading services), so the demo has issued results; the rest stay in the worklist."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--share", type=float, default=0.75, help="Share of the studies read (0-1)")

    def handle(self, *args: object, **options) -> None:  # type: ignore[no-untyped-def]
        if not 0 <= options["share"] <= 1:
            raise CommandError("--share is between 0 and 1.")
        signed = reads_simulate(seed=options["seed"], share=options["share"])
        self.stdout.write(f"{signed} reads signed by the demo radiologists.")
