"""Benchmark of the reading worklist at scale: page 1 and page 1 000 beside the raw SQL of the same page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_h4 .venv/bin/python bench/bench_worklist.py
    [--episodes 1000000] [--campaigns 20] [--assigned 5] [--awaiting 0.25] [--requests 200]

Builds, on a throwaway PostgreSQL database, `--episodes` imaged episodes (participants, studies,
AI results where the inference app is installed, and read slots) with SQL `generate_series`:
double blind campaigns, a share `--awaiting` still waiting for both reads (two open slots each),
the rest with both reads signed. A radiologist is assigned to `--assigned` of the campaigns.

Measured in one run: the server time of `worklist_page` (the selector the page and the API call,
with its audit event and the rows the page shows), p50 and p95 over `--requests` requests, for
page 1 and for page 1 000 (50 rows a page, reached through keyset cursors); beside it the raw SQL
of the same page (the query Django sends, run on a cursor: the floor); the per-band counts; and
the number of queries of page 1 and page 1 000.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "screening.config.settings.base"

from bench_support import bench_user, throwaway_database, timed

PAGE_SIZE = 50
DEEP_PAGE = 1000


def build(*, episodes: int, campaigns: int, awaiting: float) -> None:
    """Participants, campaigns, imaged episodes, studies, AI results and read slots, in SQL."""
    from django.apps import apps
    from django.db import connection

    from screening.campaigns.models import Campaign, Programme, ReadingPolicy
    from screening.campaigns.programme_definitions import programmes_seed

    programmes_seed(Programme)
    breast = Programme.objects.get(code="breast")
    campaign_ids = [
        Campaign.objects.create(
            programme=breast,
            name=f"Bench campaign {n}",
            site="Bench",
            start_date="2026-01-01",
            end_date="2026-12-31",
            status="open",
            reading_policy=ReadingPolicy.DOUBLE_BLIND,
        ).pk
        for n in range(campaigns)
    ]
    first_campaign = min(campaign_ids)
    open_below = int(episodes * awaiting)
    readers = [bench_user(f"signer{n}", "radiologist").user_id for n in range(4)]
    statements = [
        (
            "participants",
            f"""INSERT INTO patients_patient (created_at, updated_at, identifier, issuer, family_name,
                given_name, date_of_birth, sex, email, phone, address, postcode, opted_out_reason)
            SELECT now(), now(), 'B' || g, 'BENCH', 'Family' || (g % 5000), 'Given' || (g % 300),
                date '1960-01-01' + (g % 7000), 'F', '', '', '', 'LS1 4AP', ''
            FROM generate_series(1, {episodes}) g""",
        ),
        (
            "episodes",
            f"""INSERT INTO campaigns_episode (created_at, updated_at, patient_id, campaign_id, status,
                result,                 status_changed_at, invited_at, imaged_at)
            SELECT now(), now(), p.id, {first_campaign} + (p.rn % {campaigns}),
                CASE WHEN p.rn <= {open_below} THEN 'imaged' ELSE 'result_issued' END,
                CASE WHEN p.rn <= {open_below} THEN '' ELSE 'routine' END,
                now(), now() - interval '60 days', now() - (p.rn % 40000) * interval '1 minute'
            FROM (SELECT id, row_number() OVER (ORDER BY id) rn FROM patients_patient) p""",
        ),
        (
            "studies",
            """INSERT INTO imaging_study (created_at, updated_at, study_instance_uid, patient_id, episode_id,
                match_status, match_note, dicom_patient_id, dicom_issuer, dicom_patient_name, dicom_sex,
                study_time, accession_number, modality, description, first_source)
            SELECT now(), now(), '1.2.826.0.1.3680043.10.9.' || e.id, e.patient_id, e.id, 'matched', '',
                '', '', '', 'F', '', '', 'MG', '', 'cstore'
            FROM campaigns_episode e""",
        ),
    ]
    if apps.is_installed("screening.inference_jobs"):
        statements += [
            (
                "inference jobs",
                """INSERT INTO inference_jobs_inferencejob (created_at, updated_at, study_id, model_name,
                    model_version, status, attempts, max_attempts, worker, device, queued_at, error,
                    timings_ms)
                SELECT now(), now(), s.id, 'bench', '1', 'succeeded', 1, 3, '', 'cpu', now(), '', '{}'
                FROM imaging_study s""",
            ),
            (
                "inference results",
                """INSERT INTO inference_jobs_inferenceresult (job_id, study_id, model_name, model_version,
                    programme, study_score, band, high_threshold, low_threshold, side_scores, device,
                    timings_ms, attempt, created_at)
                SELECT j.id, j.study_id, 'bench', '1', 'breast', sc.score,
                    CASE WHEN sc.score >= 0.5 THEN 'high' WHEN sc.score < 0.1 THEN 'low'
                        ELSE 'intermediate' END,
                    0.5, 0.1, '{}', 'cpu', '{}', 1, now()
                FROM inference_jobs_inferencejob j,
                    LATERAL (SELECT power(((j.study_id * 2654435761) % 1000003) / 1000003.0, 3) AS score)
                    sc""",
            ),
        ]
    score = "power(((s.id * 2654435761) % 1000003) / 1000003.0, 3)"
    band_rank = f"CASE WHEN {score} >= 0.5 THEN 0 WHEN {score} < 0.1 THEN 2 ELSE 1 END"
    for role in ("first", "second"):
        signer = readers[0] if role == "first" else readers[1]
        statements.append(
            (
                f"read slots ({role})",
                f"""INSERT INTO reading_readslot (created_at, updated_at, episode_id, study_id, campaign_id,
                    role, status, band_rank, ai_score, score_rank, waiting_since, priors_available,
                    signed_by_id,
                    signed_at)
                SELECT now(), now(), e.id, s.id, e.campaign_id, '{role}',
                    CASE WHEN e.status = 'imaged' THEN 'open' ELSE 'signed' END,
                    CASE WHEN s.id % 20 = 0 THEN 3 ELSE {band_rank} END,
                    CASE WHEN s.id % 20 = 0 THEN NULL ELSE {score} END,
                    CASE WHEN s.id % 20 = 0 THEN 0 ELSE -{score} END,
                    e.imaged_at, s.id % 3 = 0,
                    CASE WHEN e.status = 'imaged' THEN NULL ELSE {signer} END,
                    CASE WHEN e.status = 'imaged' THEN NULL ELSE now() END
                FROM imaging_study s JOIN campaigns_episode e ON e.id = s.episode_id""",
            )
        )
    with connection.cursor() as cursor:
        for label, sql in statements:
            timed(f"insert {label}", lambda sql=sql: cursor.execute(sql))
        timed("analyze", lambda: cursor.execute("ANALYZE"))


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def measure(label: str, action: Callable[[], Any], requests: int) -> tuple[float, float]:
    for _ in range(5):  # warm the cache and the connection
        action()
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(samples)
    print(f"{label:<48} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms")
    return p50, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1_000_000)
    parser.add_argument("--campaigns", type=int, default=20)
    parser.add_argument("--assigned", type=int, default=5)
    parser.add_argument("--awaiting", type=float, default=0.25, help="share of episodes awaiting both reads")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--deep-page", type=int, default=DEEP_PAGE, help="the deep page measured")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: this benchmark measures PostgreSQL at scale.")
    database, teardown = throwaway_database("bench-worklist-")
    print(f"Database: {database}")
    try:
        run(args)
    finally:
        teardown()


def run(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from screening.campaigns.models import Campaign
    from screening.core.actors import Actor
    from screening.reading.worklist_selectors import worklist_band_counts, worklist_page

    build(episodes=args.episodes, campaigns=args.campaigns, awaiting=args.awaiting)
    radiologist = bench_user("bench_radiologist", "radiologist")
    for campaign in Campaign.objects.order_by("id")[: args.assigned]:
        campaign.assigned_staff.add(radiologist.user)
    user_model = get_user_model()

    def request_actor() -> Actor:
        # A fresh user per request, as each request loads it: permissions are not cached between pages.
        return Actor.for_user(user_model.objects.get(pk=radiologist.user_id), ip_address="127.0.0.1")

    def page(cursor: str = "") -> Any:
        result = worklist_page(actor=request_actor(), cursor=cursor, page_size=PAGE_SIZE)
        for entry in result.entries:  # what the page renders
            _ = (
                entry.slot.episode.patient.identifier,
                entry.slot.campaign.name,
                entry.slot.study.pk,
                entry.band,
            )
        return result

    cursor, walk_started = "", time.perf_counter()
    for _ in range(args.deep_page - 1):
        cursor = page(cursor).next_cursor
    walked = f"walked to page {args.deep_page} through cursors"
    print(f"{walked:<48} {time.perf_counter() - walk_started:8.2f} s")
    deep_cursor = cursor
    assert deep_cursor, "fewer pages of work than --deep-page: raise --episodes or --awaiting"

    counts = {}
    deep = f"page {args.deep_page}"
    for label, cursor in (("page 1", ""), (deep, deep_cursor)):
        with CaptureQueriesContext(connection) as queries:
            page(cursor)
        counts[label] = len(queries)
    print(f"Queries per request: page 1 = {counts['page 1']}, {deep} = {counts[deep]}")

    n = args.requests
    measure("worklist_page, page 1 (server time)", lambda: page(""), n)
    measure(f"worklist_page, {deep} (server time)", lambda: page(deep_cursor), n)
    measure("band counts (worklist_band_counts)", lambda: worklist_band_counts(actor=request_actor()), n)

    for label, cursor in (("page 1", ""), (deep, deep_cursor)):
        # The page's own SQL as Django sent it (the UNION of the campaigns' ranges), run on a cursor.
        with CaptureQueriesContext(connection) as queries:
            page(cursor)
        sql = next(q["sql"] for q in queries.captured_queries if 'FROM "reading_readslot"' in q["sql"])

        def raw(sql: str = sql) -> None:
            with connection.cursor() as raw_cursor:
                raw_cursor.execute(sql)
                raw_cursor.fetchall()

        measure(f"raw SQL of the same page, {label}", raw, n)
        if label == deep:
            with connection.cursor() as explain:
                explain.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [row[0] for row in explain.fetchall()]
            print(f"Plan of {deep} (last lines):\n  " + "\n  ".join(plan[-3:]))


if __name__ == "__main__":
    main()
