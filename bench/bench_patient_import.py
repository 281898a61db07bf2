"""Benchmark of the CSV import of participants, against the per-row service path.

    .venv/bin/python bench/bench_patient_import.py [--rows 100000] [--baseline-rows 2000]

Runs on a throwaway database: with DATABASE_URL set, a `test_<name>` database created and
dropped through Django's test database utilities; without it, SQLite in a temporary directory.
Measures the preview (parse + validate), the import (patients, consent events, audit events),
and, as the baseline, registering rows one by one through patient_services.patient_create and
consent_services.consent_grant, which is what a per-row import would do.
"""

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench_support import bench_user, throwaway_database, timed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "screening.config.settings.base"

CONSENT_COLUMNS = ("consent_screening", "consent_ai_reading", "consent_research")
HEADER = (
    "identifier,issuer,family_name,given_name,date_of_birth,sex,email,phone,address,postcode,"
    + ",".join(CONSENT_COLUMNS)
)
CONSENT_SHARE = {"consent_screening": 0.95, "consent_ai_reading": 0.7, "consent_research": 0.3}


@dataclass(frozen=True)
class BenchRow:
    identifier: str
    family_name: str
    given_name: str
    date_of_birth: str
    sex: str
    email: str
    phone: str
    address: str
    postcode: str
    consents: dict[str, str]

    def csv_line(self) -> str:
        fields = [self.identifier, "NHS", self.family_name, self.given_name, self.date_of_birth, self.sex]
        fields += [self.email, self.phone, f'"{self.address}"', self.postcode]
        fields += [self.consents[column] for column in CONSENT_COLUMNS]
        return ",".join(fields)


def bench_rows(count: int, seed: int = 7) -> list[BenchRow]:
    """`count` participants with distinct valid NHS numbers and a realistic mix of consents."""
    from screening.patients.identifiers import nhs_number_with_check_digit

    rng = random.Random(seed)
    families = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel"]
    givens = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Sophia", "Margaret", "Susan", "Aisha"]
    rows: list[BenchRow] = []
    base = 400_000_000
    while len(rows) < count:
        base += 1
        identifier = nhs_number_with_check_digit(f"{base:09d}")
        if identifier is None:
            continue
        n = len(rows)
        consents = {
            column: ("yes" if rng.random() < share else rng.choice(["no", ""]))
            for column, share in CONSENT_SHARE.items()
        }
        rows.append(
            BenchRow(
                identifier=identifier,
                family_name=f"{rng.choice(families)}{n}",
                given_name=rng.choice(givens),
                date_of_birth=f"{rng.randint(1950, 1975)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                sex="F",
                email=f"participant{n}@example.org",
                phone=f"0113 496 {n % 10000:04d}",
                address=f"{n % 300 + 1} Park Row, Leeds",
                postcode="LS1 5AB",
                consents=consents,
            )
        )
    return rows


def csv_content(rows: list[BenchRow]) -> bytes:
    return ("\n".join([HEADER, *(row.csv_line() for row in rows)]) + "\n").encode()


def per_row_baseline(actor, rows: list[BenchRow]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds to register `rows` one by one: patients only, then patients with their consents."""
    from datetime import date

    from screening.patients import consent_services, patient_services
    from screening.patients.models import ConsentMethod
    from screening.patients.patient_import_rows import CONSENT_COLUMNS as SCOPES

    def create(row: BenchRow):  # type: ignore[no-untyped-def]
        return patient_services.patient_create(
            actor=actor,
            identifier=row.identifier,
            issuer="NHS",
            family_name=row.family_name,
            given_name=row.given_name,
            date_of_birth=date.fromisoformat(row.date_of_birth),
            sex=row.sex,
            email=row.email,
            phone=row.phone,
            address=row.address,
            postcode=row.postcode,
        )

    half = len(rows) // 2
    started = time.perf_counter()
    for row in rows[:half]:
        create(row)
    patients_only = (time.perf_counter() - started) / half
    started = time.perf_counter()
    for row in rows[half:]:
        patient = create(row)
        for column, scope in SCOPES.items():
            if row.consents[column] == "yes":
                consent_services.consent_grant(
                    actor=actor, patient=patient, scope=scope, method=ConsentMethod.IMPORT
                )
    with_consents = (time.perf_counter() - started) / (len(rows) - half)
    return patients_only, with_consents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    args = parser.parse_args()

    database, teardown = throwaway_database("bench-import-")
    from django.conf import settings

    from screening.core.models import AuditEvent
    from screening.patients.models import ConsentEvent, Patient
    from screening.patients.patient_import_services import patient_import_commit, patient_import_preview

    settings.DEBUG = False  # no query log growing in memory
    try:
        print(f"Database: {database}")
        rows = bench_rows(args.rows + args.baseline_rows)
        content = csv_content(rows[: args.rows])
        print(f"CSV: {args.rows} rows, {len(content) / 1024 / 1024:.1f} MB")
        actor = bench_user("bench-coordinator", "coordinator")
        preview, preview_s = timed(
            "preview (parse + validate + store)",
            lambda: patient_import_preview(actor=actor, uploaded_file_or_bytes=content, filename="bench.csv"),
        )
        assert preview.valid_count == args.rows, preview.errors[:5]
        done, commit_s = timed(
            "import (patients + consents + audit)",
            lambda: patient_import_commit(actor=actor, patient_import=preview, valid_rows_only=False),
        )
        total_s = preview_s + commit_s
        print(
            f"created: {Patient.objects.count()} patients, {ConsentEvent.objects.count()} consent events, "
            f"{AuditEvent.objects.count()} audit events"
        )
        assert done.imported_count == args.rows
        baseline = rows[args.rows :]
        (patient_s, consent_s), _ = timed(
            f"baseline: {len(baseline)} rows one by one", lambda: per_row_baseline(actor, baseline)
        )
        bulk_rate = args.rows / total_s
        print(f"baseline patient_create only:            {1 / patient_s:8.0f} rows/s")
        print(f"baseline patient_create + consent_grant: {1 / consent_s:8.0f} rows/s")
        print(
            f"CSV import: {args.rows} rows in {total_s:.1f} s ({bulk_rate:.0f} rows/s); "
            f"per-row service baseline {1 / consent_s:.0f} rows/s; ratio {bulk_rate * consent_s:.1f}x "
            f"({bulk_rate * patient_s:.1f}x against patient_create alone)"
        )
    finally:
        teardown()


if __name__ == "__main__":
    main()
