"""`manage.py worklist_counts_rebuild [--check]`: recount the worklist's band counters from the reads."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening.reading.worklist_counts import worklist_counts_check, worklist_counts_rebuild


class Command(BaseCommand):
    help = "Recount the worklist's open reads per campaign, role and AI band (--check: only compare)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Report differences; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            differences = worklist_counts_check()
            for (campaign_id, role, band), (stored, counted) in sorted(differences.items()):
                self.stdout.write(f"campaign {campaign_id} {role} band {band}: {stored} kept, {counted} open")
            if differences:
                raise CommandError(f"{len(differences)} counters differ from the open reads.")
            self.stdout.write(self.style.SUCCESS("Worklist counters match the open reads."))
            return
        rows = worklist_counts_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Worklist counters rebuilt: {rows} rows."))
