"""`manage.py seed_demo`: demo staff, participants and campaigns (idempotent)."""

from django.core.management.base import BaseCommand

from screening.demo.demo_cohort import demo_seed


class Command(BaseCommand):
    help = "Seed the demo: users per role, a few hundred participants, an open campaign per programme."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--patients", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: object, **options: int) -> None:
        summary = demo_seed(patients=options["patients"], seed=options["seed"])
        if summary.created_patients:
            self.stdout.write(
                f"Seeded {summary.created_patients} participants and {summary.invited} invitations."
            )
        else:
            self.stdout.write("Demo data already present; demo passwords reset.")
        self.stdout.write("Demo users (username / password):")
        for username, password in summary.passwords.items():
            self.stdout.write(f"  {username:<13} {password}")
