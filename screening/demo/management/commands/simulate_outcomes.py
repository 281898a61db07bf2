"""`manage.py simulate_outcomes`: the synthetic cohort's outcomes, from its ground truth (idempotent)."""

from django.core.management.base import BaseCommand

from screening.core.actors import Actor
from screening.demo.outcome_simulation import outcomes_simulate


class Command(BaseCommand):
    help = (
        "Record the outcomes the synthetic ground truth implies (assessments, pathology, cancers "
        "diagnosed later) for the synthetic episodes whose results are issued. Running it again "
        "records only what has become due since."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=1, help="Seed of the dates, grades and sizes drawn")

    def handle(self, *args: object, **options: int) -> None:
        summary = outcomes_simulate(actor=Actor.system("simulate_outcomes"), seed=options["seed"])
        self.stdout.write(
            f"{summary.episodes} synthetic episodes with a result: {summary.assessments} assessments, "
            f"{summary.pathology} pathology results and {summary.registry_diagnoses} later diagnoses "
            f"recorded; {summary.already_recorded} already recorded; {summary.not_yet_due} cancers "
            "not yet due (a later run records them)."
        )
