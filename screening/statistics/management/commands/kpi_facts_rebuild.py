"""`manage.py kpi_facts_rebuild`: the KPI facts and counts computed again from every episode's history."""

from django.core.management.base import BaseCommand

from screening.statistics.kpi_facts_services import kpi_facts_rebuild


class Command(BaseCommand):
    help = "Rebuild the programme KPIs' per-episode facts and monthly counts from the episodes."

    def handle(self, *args: object, **options: object) -> None:
        episodes = kpi_facts_rebuild()
        self.stdout.write(self.style.SUCCESS(f"KPI facts rebuilt for {episodes} episodes."))
