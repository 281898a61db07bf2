"""Remove research packages past their expiry (the beat's sweep does this too)."""

from typing import Any

from django.core.management.base import BaseCommand

from screening.research.export_sweeper import exports_expire


class Command(BaseCommand):
    help = "Remove the packages of research exports whose retention has run out."

    def handle(self, *args: Any, **options: Any) -> None:
        expired = exports_expire()
        self.stdout.write(f"{expired} research export(s) expired.")
