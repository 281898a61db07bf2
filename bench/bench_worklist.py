"""Benchmark of the reading worklist at scale: page 1 and page 1 000 beside the raw SQL of the same page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_h4 .venv/bin/python bench/bench_worklist.py
    [--episodes 1000000] [--campaigns 20] [--assigned 5] [--awaiting 0.25] [--requests 200]
    [--deep-page 1000] [--plans] [--keep]   # whole plans; keep the database (drop it yourself)
    [--profile]   # pyinstrument's profile of the page requests (pyinstrument installed by hand)
    [--reuse]   # measure on the DATABASE_URL database itself, built once and kept between runs

Builds, on a throwaway PostgreSQL database (with `--reuse`, on the DATABASE_URL database itself:
created if missing, migrated, and built in one transaction only when it holds no bench campaign
yet), `--episodes` imaged episodes (participants, studies, AI results where the inference app is
installed, and read slots) with SQL `generate_series`:
double blind campaigns, a share `--awaiting` still waiting for both reads (two open slots each),
the rest with both reads signed. A radiologist is assigned to `--assigned` of the campaigns.

Measured in one run, p50 and p95 over `--requests` requests each, for page 1 and for page
1 000 (50 rows a page, page 1 000 reached by following the page's own "Next page" links):

- the worklist page as the radiologist gets it: `GET /reading/` through Django's test client with
  a logged-in session (every middleware, the session and its idle-timeout renewal once a minute,
  the user with its roles and permissions, the reader's campaigns, the page, its audit event, the
  band counts, the template);
- the selector alone (`worklist_page` with a user loaded anew, as a request has it);
- the raw SQL of the same page (the query Django sent for its reads: the campaigns' ranges of
  keys and the rows they select; run on a cursor: the floor);
- the queries of the whole request, page 1 and page 1 000 (listed for page 1; each counted on a
  request right after another, so neither is the one a minute that renews the session), and
  `EXPLAIN (ANALYZE, BUFFERS)` of the page query for both pages.

Each measure prints its wall time (p50, p95) and its CPU a call (this process and its PostgreSQL
backend, read from /proc: less sensitive to other work on the machine than wall time), and the
request's ratio to the raw SQL of the same page beside the goal (at most 3x).
"""

import argparse
import os
import re
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
GOAL_RATIO = 3  # issue 19: the whole request at most 3x the raw SQL of the same page


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
    readers = [bench_reader(f"signer{n}").user_id for n in range(4)]
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
                result, result_under_review, status_changed_at, invited_at, imaged_at, reading_policy,
                ai_high_suspicion_threshold, ai_low_suspicion_threshold, ai_shown_to_readers)
            SELECT now(), now(), p.id, {first_campaign} + (p.rn % {campaigns}),
                CASE WHEN p.rn <= {open_below} THEN 'imaged' ELSE 'result_issued' END,
                CASE WHEN p.rn <= {open_below} THEN '' ELSE 'routine' END, false,
                now(), now() - interval '60 days', now() - (p.rn % 40000) * interval '1 minute',
                '{ReadingPolicy.DOUBLE_BLIND.value}', 0.5, 0.1, true
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
                """INSERT INTO inference_jobs_inferencejob (role, created_at, updated_at, study_id,
                    model_name, model_version, status, attempts, max_attempts, worker, device, queued_at,
                    error, timings_ms)
                SELECT 'active', now(), now(), s.id, 'bench', '1', 'succeeded', 1, 3, '', 'cpu', now(), '',
                    '{}'
                FROM imaging_study s""",
            ),
            (
                "inference results",
                """INSERT INTO inference_jobs_inferenceresult (role, job_id, study_id, model_name,
                    model_version, programme, study_score, band, high_threshold, low_threshold, side_scores,
                    device, timings_ms, attempt, created_at)
                SELECT 'active', j.id, j.study_id, 'bench', '1', 'breast', sc.score,
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


def bench_reader(username: str) -> Any:
    """A radiologist, as an Actor: made once, found again on a reused database."""
    from django.contrib.auth import get_user_model

    from screening.core.actors import Actor

    existing = get_user_model().objects.filter(username=username).first()
    if existing is not None:
        return Actor.for_user(existing, ip_address="127.0.0.1")
    return bench_user(username, "radiologist")


def reused_database() -> str:
    """Point Django at the DATABASE_URL database itself: created if missing, migrated, never dropped."""
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)
    return f"PostgreSQL ({name}, reused and kept)"


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def backend_cpu_seconds() -> float:
    """CPU seconds (user + system) the PostgreSQL backend of Django's connection has used so far,
    from /proc (the server runs on this machine); 0 where it cannot be read."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(label: str, action: Callable[[], Any], requests: int) -> tuple[float, float, float]:
    """p50 and p95 of the wall time, and the mean CPU per call: this process's and the database
    backend's together (CPU time is what the call costs; on a loaded machine wall time adds the wait
    for a core)."""
    for _ in range(5):  # warm the cache and the connection
        action()
    samples = []
    cpu_started, backend_started = time.process_time(), backend_cpu_seconds()
    for _ in range(requests):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu_started + backend_cpu_seconds() - backend_started) * 1000 / requests
    p50, p95 = percentiles(samples)
    print(f"{label:<52} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   CPU {cpu:6.2f} ms")
    return p50, p95, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1_000_000)
    parser.add_argument("--campaigns", type=int, default=20)
    parser.add_argument("--assigned", type=int, default=5)
    parser.add_argument("--awaiting", type=float, default=0.25, help="share of episodes awaiting both reads")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--deep-page", type=int, default=DEEP_PAGE, help="the deep page measured")
    parser.add_argument("--plans", action="store_true", help="print the whole query plans")
    parser.add_argument("--keep", action="store_true", help="keep the database (drop it yourself)")
    parser.add_argument("--profile", action="store_true", help="pyinstrument's profile of the page requests")
    parser.add_argument(
        "--reuse", action="store_true", help="use the DATABASE_URL database itself, built once and kept"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: this benchmark measures PostgreSQL at scale.")
    if args.reuse:
        print(f"Database: {reused_database()}")
        run(args)
        return
    database, teardown = throwaway_database("bench-worklist-")
    print(f"Database: {database}")
    try:
        run(args)
    finally:
        if not args.keep:
            teardown()


def profile(action: Callable[[], Any], requests: int) -> None:
    """pyinstrument's profile of `requests` calls of `action` (pyinstrument is not a dependency of
    the project: install it by hand)."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(requests):
            action()
    print(profiler.output_text(unicode=True, show_all=False, short_mode=False))


NEXT_LINK = re.compile(r'<a href="\?([^"]*)" id="worklist-next"')


def run(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from screening.campaigns.models import Campaign
    from screening.core.actors import Actor
    from screening.reading.worklist_selectors import worklist_band_counts, worklist_page

    if Campaign.objects.filter(name__startswith="Bench campaign").exists():
        print("Bench data already built: measuring it as it is (--episodes, --campaigns, --awaiting unused)")
    else:
        with transaction.atomic():  # a build cut short leaves nothing half built behind
            build(episodes=args.episodes, campaigns=args.campaigns, awaiting=args.awaiting)
    radiologist = bench_reader("bench_radiologist")
    for campaign in Campaign.objects.order_by("id")[: args.assigned]:
        campaign.assigned_staff.add(radiologist.user)
    user_model = get_user_model()
    print(f"Load average before measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    client = Client(HTTP_HOST="localhost")  # a host the settings allow
    client.force_login(radiologist.user)
    worklist_url = reverse("reading:worklist")

    def page(query: str = "") -> str:
        response = client.get(f"{worklist_url}?{query}" if query else worklist_url)
        assert response.status_code == 200, response.status_code
        return response.content.decode()

    def next_query(html: str) -> str:
        found = NEXT_LINK.search(html)
        return found.group(1).replace("&amp;", "&") if found else ""

    query, walk_started = "", time.perf_counter()
    for _ in range(args.deep_page - 1):
        query = next_query(page(query))
        assert query, "fewer pages of work than --deep-page: raise --episodes or --awaiting"
    walked = f"walked to page {args.deep_page} by its links"
    print(f"{walked:<52} {time.perf_counter() - walk_started:8.2f} s")
    deep = f"page {args.deep_page}"
    pages = {"page 1": "", deep: query}
    deep_cursor = query.rpartition("cursor=")[2]

    page_sql, counts = {}, {}
    for label, query in pages.items():
        page(query)  # renews the idle timeout if a minute has passed: the counted request does not
        with CaptureQueriesContext(connection) as queries:
            html = page(query)
        assert html.count('class="worklist-row') == PAGE_SIZE, "a page shows 50 reads"
        counts[label] = len(queries)
        # The page's own SQL: its reads, selected by the keys of the campaigns' ranges.
        captured = [q["sql"] for q in queries.captured_queries]
        page_sql[label] = [
            sql
            for sql in captured
            if 'FROM "reading_readslot"' in sql and not sql.startswith("SELECT (SELECT COUNT")
        ]
        if label == "page 1":
            print("Queries of one request (page 1):")
            for n, captured in enumerate(queries.captured_queries, 1):
                print(f"  {n:2}. {' '.join(captured['sql'].split())[:100]}")
    print(f"Queries per request: page 1 = {counts['page 1']}, {deep} = {counts[deep]}")

    def selector(cursor: str = "") -> Any:
        # A user loaded anew, as each request has it: roles are not cached between pages.
        actor = Actor.for_user(user_model.objects.get(pk=radiologist.user_id), ip_address="127.0.0.1")
        result = worklist_page(actor=actor, cursor=cursor, page_size=PAGE_SIZE)
        for entry in result.entries:  # what the page renders
            _ = (entry.slot.patient_identifier, entry.slot.campaign_name, entry.slot.study_id)
        return result

    def raw(statements: list[str]) -> Callable[[], None]:
        def run_sql() -> None:
            with connection.cursor() as raw_cursor:
                for sql in statements:
                    raw_cursor.execute(sql)
                    raw_cursor.fetchall()

        return run_sql

    n = args.requests
    if args.profile:
        profile(lambda: [page(query) for query in pages.values()], n)
    ratios = []
    for label, query in pages.items():
        request = measure(f"worklist page GET /reading/, {label}", lambda query=query: page(query), n)
        statements = page_sql[label]
        floor = measure(f"raw SQL of the same page ({len(statements)} queries), {label}", raw(statements), n)
        ratios.append((label, request, floor))
    for label, request, floor in ratios:
        print(
            f"request / raw SQL, {label}: p50 {request[0] / floor[0]:.1f}x, "
            f"p95 {request[1] / floor[1]:.1f}x, CPU {request[2] / floor[2]:.1f}x (goal: <= {GOAL_RATIO}x)"
        )
    for label, cursor in (("page 1", ""), (deep, deep_cursor)):
        measure(f"worklist_page selector alone, {label}", lambda cursor=cursor: selector(cursor), n)
    band_counts_actor = Actor.for_user(radiologist.user)
    measure("band counts (worklist_band_counts)", lambda: worklist_band_counts(actor=band_counts_actor), n)
    print(f"Load average after measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    for label, statements in page_sql.items():
        for n, sql in enumerate(statements, 1):
            with connection.cursor() as explain:
                explain.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [row[0] for row in explain.fetchall()]
            shown = plan if args.plans else plan[:3] + plan[-2:]
            print(f"Plan of {label}, query {n} of {len(statements)}:\n  " + "\n  ".join(shown))


if __name__ == "__main__":
    main()
