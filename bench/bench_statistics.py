"""Benchmark of the programme KPIs and the auditor's dashboard at scale, checked against numpy.

    .venv/bin/python bench/bench_statistics.py \
        --database-url postgres://postgres@127.0.0.1:5432/bench_statistics \
        [--episodes 1000000] [--campaigns 20] [--requests 20] [--quick] [--keep]

Builds on a throwaway PostgreSQL database, with SQL `generate_series`, a breast programme of
`--episodes` episodes: half the participants in a first round of campaigns (2023), all of them
again in a later round (the last 200 days), so both rounds are filled; about three in four attend,
5% of results are recalls, 2% of the screened had a technical recall, results come 0 to 19 days
after the images and the latest episodes still wait for theirs (the backlog). Every time is near
noon UTC, so a month is the same month in UTC (numpy) and in the site's time zone (the database).

The episodes are written in bulk SQL, not by the services that keep the KPI facts, so the facts
and monthly counts are then rebuilt (`kpi_facts_rebuild`, timed). Then, in the same run:
- the dashboard's counts from the database (`kpi_counts`: grouped aggregates of the monthly
  counts and the backlog's facts) overall, per month,
  per round and per campaign, and the same counts from numpy on the same episodes and history
  fetched as arrays (the reference); they must agree exactly, or the run fails;
- p50 and p95 over `--requests` requests of the dashboard page (`GET /statistics/` as an auditor,
  everything the page computes and draws), the API's KPI answer (`GET /api/v1/statistics/kpis/`),
  and the backlog's forecast (`GET /api/v1/statistics/backlog/`);
- outcomes (bench_outcomes: assessments, pathology and later diagnoses in bulk SQL): the outcome
  KPIs' counts from the facts and from numpy (they must agree), and p50/p95 of the Outcomes page
  (`GET /statistics/outcomes/`) and its API answer (`GET /api/v1/statistics/outcomes/`).
`--quick`: 20 000 episodes, 5 requests.
"""

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "screening.config.settings.base"

from bench_accuracy import build_accuracy, compare_accuracy, database_accuracy, reference_accuracy
from bench_outcomes import build_outcomes, compare_outcomes, database_outcome_counts, reference_outcome_counts
from bench_support import bench_user, run_at_scale, scale_arguments, timed

HASH = "((e.id * 2654435761) % 1000003)"


def build(*, episodes: int, campaigns: int) -> None:
    """Participants, two rounds of campaigns, episodes and their history, in SQL."""
    from django.db import connection

    from screening.campaigns.models import Campaign, Programme
    from screening.campaigns.programme_definitions import programmes_seed

    programmes_seed(Programme)
    breast = Programme.objects.get(code="breast")
    half = max(1, campaigns // 2)
    old = [
        Campaign.objects.create(
            programme=breast,
            name=f"Bench 2023 {n}",
            site=f"Site {n}",
            start_date="2023-01-01",
            end_date="2023-12-31",
            status="closed",
        ).pk
        for n in range(half)
    ]
    new = [
        Campaign.objects.create(
            programme=breast,
            name=f"Bench now {n}",
            site=f"Site {n}",
            start_date="2025-06-01",
            end_date="2027-12-31",
            status="open",
        ).pk
        for n in range(half)
    ]
    participants = episodes // 2
    noon = "date_trunc('day', now()) + interval '12 hours'"
    statements = [
        (
            "participants",
            f"""INSERT INTO patients_patient (created_at, updated_at, identifier, issuer, family_name,
                given_name, date_of_birth, sex, email, phone, address, postcode, opted_out_reason)
            SELECT now(), now(), 'S' || g, 'BENCH', 'Family', 'Given', date '1950-01-01' + (g % 9000),
                'F', '', '', '', 'LS1 4AP', ''
            FROM generate_series(1, {participants}) g""",
        ),
        (
            "episodes, first round",
            f"""INSERT INTO campaigns_episode (created_at, updated_at, patient_id, campaign_id, status,
                result, result_under_review, status_changed_at, invited_at, imaged_at, reading_policy)
            SELECT now(), now(), p.id, {old[0]} + (p.id % {half}), 'invited', '', false, now(),
                timestamptz '2023-01-01 12:00Z' + (p.id % 300) * interval '1 day', NULL, ''
            FROM patients_patient p""",
        ),
        (
            "episodes, later round",
            f"""INSERT INTO campaigns_episode (created_at, updated_at, patient_id, campaign_id, status,
                result, result_under_review, status_changed_at, invited_at, imaged_at, reading_policy)
            SELECT now(), now(), p.id, {new[0]} + (p.id % {half}), 'invited', '', false, now(),
                {noon} - (200 - p.id % 190) * interval '1 day', NULL, ''
            FROM patients_patient p""",
        ),
        (
            "attendance",
            f"""UPDATE campaigns_episode e SET imaged_at = e.invited_at + interval '7 days'
            WHERE {HASH} % 100 < 75""",
        ),
        (
            "results and the backlog",
            f"""UPDATE campaigns_episode e SET
                status = CASE WHEN e.imaged_at IS NULL THEN 'did_not_attend'
                    WHEN e.imaged_at + (e.id * 7 % 20) * interval '1 day' > now() THEN 'imaged'
                    ELSE 'result_issued' END,
                result = CASE WHEN e.imaged_at IS NULL
                    OR e.imaged_at + (e.id * 7 % 20) * interval '1 day' > now() THEN ''
                    WHEN {HASH} % 1000 < 50 THEN 'recall' ELSE 'routine' END""",
        ),
        (
            "history: invitations",
            """INSERT INTO campaigns_episodestatusevent (episode_id, from_status, to_status, result,
                occurred_at, note)
            SELECT e.id, 'eligible', 'invited', '', e.invited_at, '' FROM campaigns_episode e""",
        ),
        (
            "history: attendance and images",
            """INSERT INTO campaigns_episodestatusevent (episode_id, from_status, to_status, result,
                occurred_at, note)
            SELECT e.id, 'invited', 'attended', '', e.imaged_at - interval '1 hour', ''
            FROM campaigns_episode e WHERE e.imaged_at IS NOT NULL""",
        ),
        (
            "history: technical recalls",
            f"""INSERT INTO campaigns_episodestatusevent (episode_id, from_status, to_status, result,
                occurred_at, note)
            SELECT e.id, 'attended', 'result_issued', 'technical_recall', e.imaged_at - interval '30 minutes',
                'Blurred' FROM campaigns_episode e
            WHERE e.imaged_at IS NOT NULL AND {HASH} % 1000 >= 500 AND {HASH} % 1000 < 520""",
        ),
        (
            "history: results",
            """INSERT INTO campaigns_episodestatusevent (episode_id, from_status, to_status, result,
                occurred_at, note)
            SELECT e.id, 'read', 'result_issued', e.result,
                e.imaged_at + (e.id * 7 % 20) * interval '1 day', ''
            FROM campaigns_episode e WHERE e.status = 'result_issued'""",
        ),
    ]
    with connection.cursor() as cursor:
        for label, sql in statements:
            timed(f"insert {label}", lambda sql=sql: cursor.execute(sql))
        timed("analyze", lambda: cursor.execute("ANALYZE"))


def reference_counts() -> dict[str, Any]:
    """The same counts from numpy, on the episodes and their history fetched as plain arrays."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT e.id, e.patient_id, e.campaign_id, extract(epoch FROM c.start_date)::bigint, e.status,
                e.result, extract(epoch FROM e.invited_at)::bigint, extract(epoch FROM e.imaged_at)::bigint
            FROM campaigns_episode e JOIN campaigns_campaign c ON c.id = e.campaign_id ORDER BY e.id"""
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT episode_id, to_status, result, extract(epoch FROM occurred_at)::bigint "
            "FROM campaigns_episodestatusevent"
        )
        events = cursor.fetchall()
    ids, patients, campaigns, starts = (np.array([row[i] for row in rows]) for i in range(4))
    status = np.array([row[4] for row in rows])
    result = np.array([row[5] for row in rows])
    invited = np.array([row[6] for row in rows], dtype=np.int64)
    imaged = np.array([-1 if row[7] is None else row[7] for row in rows], dtype=np.int64)
    ev_episode = np.array([event[0] for event in events])
    ev_to = np.array([event[1] for event in events])
    ev_result = np.array([event[2] for event in events])
    ev_time = np.array([event[3] for event in events], dtype=np.int64)

    attended = np.isin(ids, ev_episode[ev_to == "attended"])
    technical = np.isin(ids, ev_episode[ev_result == "technical_recall"])
    clinical = (ev_to == "result_issued") & np.isin(ev_result, ["routine", "recall"])
    first_result = np.full(len(ids), np.iinfo(np.int64).max)
    np.minimum.at(first_result, np.searchsorted(ids, ev_episode[clinical]), ev_time[clinical])
    resulted = first_result != np.iinfo(np.int64).max
    is_imaged = imaged >= 0
    # Subsequent round: the participant had images in a campaign that started earlier.
    earliest_imaged_start = {}
    order = np.argsort(starts)
    for patient, start, was_imaged in zip(patients[order], starts[order], is_imaged[order], strict=True):
        if was_imaged and patient not in earliest_imaged_start:
            earliest_imaged_start[patient] = start
    subsequent = np.array(
        [earliest_imaged_start.get(p, start + 1) < start for p, start in zip(patients, starts, strict=True)]
    )
    screening_round = np.where(subsequent, "subsequent", "first")

    def month(seconds: np.ndarray) -> np.ndarray:
        return seconds.astype("datetime64[s]").astype("datetime64[M]").astype(str)

    def counts(mask_invited: np.ndarray, mask_imaged: np.ndarray) -> Counter[str]:
        screened = mask_imaged
        return Counter(
            invited=int(mask_invited.sum()),
            attended=int((mask_invited & attended).sum()),
            screened=int(screened.sum()),
            with_result=int((screened & np.isin(result, ["routine", "recall"])).sum()),
            recalled=int((screened & (result == "recall")).sum()),
            technical_recalls=int((screened & technical).sum()),
            resulted=int((screened & resulted).sum()),
            within_standard=int((screened & resulted & (first_result <= imaged + 14 * 86400)).sum()),
        )

    has_invitation = invited > 0
    out: dict[str, Any] = {"overall": counts(has_invitation, is_imaged)}
    out["waiting"] = int((is_imaged & np.isin(status, ["imaged", "read"])).sum())
    out["round"] = {
        r: counts(has_invitation & (screening_round == r), is_imaged & (screening_round == r))
        for r in ("first", "subsequent")
    }
    out["campaign"] = {
        int(c): counts(has_invitation & (campaigns == c), is_imaged & (campaigns == c))
        for c in np.unique(campaigns)
    }
    invited_month, imaged_month = month(invited), month(np.where(is_imaged, imaged, 0))
    out["month"] = {
        m: counts(has_invitation & (invited_month == m), is_imaged & (imaged_month == m))
        for m in sorted(set(invited_month) | set(imaged_month[is_imaged]))
    }
    return out


def database_counts(user: Any) -> dict[str, Any]:
    from screening.statistics.kpi_counts import counts_total, kpi_counts
    from screening.statistics.kpi_scope import KpiFilters

    def grouped(key: str) -> dict[Any, Counter[str]]:
        groups = kpi_counts(user=user, filters=KpiFilters(), keys=(key,))
        return {group.key[0]: Counter(group.counts) for group in groups}

    total = counts_total(kpi_counts(user=user, filters=KpiFilters(), keys=()))
    months = {key.strftime("%Y-%m"): value for key, value in grouped("month").items()}
    return {
        "overall": total,
        "round": grouped("round"),
        "campaign": grouped("campaign"),
        "month": months,
    }


def same(name: str, ours: Counter[str], reference: Counter[str]) -> list[str]:
    keys = set(reference) | set(ours)
    differing = [key for key in keys if key != "waiting" and ours.get(key, 0) != reference.get(key, 0)]
    return [f"{name} {key}: SQL {ours.get(key, 0)} numpy {reference.get(key, 0)}" for key in differing]


def compare(database: dict[str, Any], reference: dict[str, Any]) -> None:
    problems = same("overall", database["overall"], reference["overall"])
    if database["overall"]["waiting"] != reference["waiting"]:
        problems.append(f"waiting: SQL {database['overall']['waiting']} numpy {reference['waiting']}")
    for breakdown in ("round", "campaign", "month"):
        for key in set(database[breakdown]) | set(reference[breakdown]):
            problems += same(
                f"{breakdown} {key}",
                database[breakdown].get(key, Counter()),
                reference[breakdown].get(key, Counter()),
            )
    if problems:
        sys.exit("The database and numpy disagree:\n" + "\n".join(problems[:20]))
    overall = reference["overall"]
    print(
        f"SQL and numpy agree: {overall['invited']} invited, {overall['screened']} screened, "
        f"{overall['recalled']} recalled, {reference['waiting']} waiting, {len(reference['month'])} months, "
        f"{len(reference['campaign'])} campaigns"
    )


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def measure(label: str, action: Callable[[], Any], requests: int) -> tuple[float, float]:
    action()  # warm the cache and the connection
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(samples)
    print(f"{label:<52} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")
    return p50, p95


def run(args: argparse.Namespace) -> None:
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from screening.statistics.kpi_facts_services import kpi_facts_rebuild

    readers = [bench_user(f"bench_reader_{n}", "radiologist").user.pk for n in range(5)]
    with transaction.atomic():
        build(episodes=args.episodes, campaigns=args.campaigns)
        with connection.cursor() as cursor:
            build_outcomes(cursor, timed)
            build_accuracy(cursor, timed, readers)
    # The episodes were written in bulk, not by the services that keep the KPI facts: rebuild them.
    timed("KPI facts and monthly counts: rebuild (manage.py kpi_facts_rebuild)", kpi_facts_rebuild)
    with connection.cursor() as cursor:
        timed("analyze", lambda: cursor.execute("ANALYZE"))
        cursor.execute("SELECT count(*) FROM statistics_kpimonthcounts")
        print(f"Monthly count rows: {cursor.fetchone()[0]}")
    auditor = bench_user("bench_auditor", "auditor").user
    print(f"Load average before measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    database, _ = timed("counts in SQL (overall, round, campaign, month)", lambda: database_counts(auditor))
    reference, _ = timed("the same counts in numpy (fetch + compute)", reference_counts)
    compare(database, reference)
    today = timezone.localdate()
    outcomes, _ = timed("outcome counts in SQL (the facts)", lambda: database_outcome_counts(auditor, today))
    truths: dict[int, bool | None] = {}
    with connection.cursor() as cursor:
        expected, _ = timed(
            "the same in numpy (fetch + compute)",
            lambda: reference_outcome_counts(cursor, today, truths=truths),
        )
    compare_outcomes(outcomes, expected)
    accuracy, _ = timed("accuracy counts in SQL (the facts)", lambda: database_accuracy(auditor))
    with connection.cursor() as cursor:
        expected_accuracy, _ = timed(
            "the same in numpy and sklearn (fetch + compute)", lambda: reference_accuracy(cursor, truths)
        )
    compare_accuracy(accuracy, expected_accuracy)

    client = Client(HTTP_HOST="localhost")
    client.force_login(auditor)

    def get(url: str) -> Callable[[], None]:
        def fetch() -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")

        return fetch

    measure("dashboard page GET /statistics/", get("/statistics/?programme=breast"), args.requests)
    measure(
        "API GET /api/v1/statistics/kpis/", get("/api/v1/statistics/kpis/?programme=breast"), args.requests
    )
    measure("API GET /api/v1/statistics/backlog/", get("/api/v1/statistics/backlog/"), args.requests)
    measure(
        "outcomes page GET /statistics/outcomes/",
        get("/statistics/outcomes/?programme=breast"),
        args.requests,
    )
    measure(
        "API GET /api/v1/statistics/outcomes/",
        get("/api/v1/statistics/outcomes/?programme=breast"),
        args.requests,
    )
    measure(
        "accuracy page GET /statistics/accuracy/",
        get("/statistics/accuracy/?programme=breast"),
        args.requests,
    )
    measure(
        "readers page GET /statistics/readers/", get("/statistics/readers/?programme=breast"), args.requests
    )
    measure(
        "API GET /api/v1/statistics/accuracy/",
        get("/api/v1/statistics/accuracy/?programme=breast"),
        args.requests,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1_000_000)
    parser.add_argument("--campaigns", type=int, default=20)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="20 000 episodes, 5 requests")
    scale_arguments(parser)
    args = parser.parse_args()
    if args.quick:
        args.episodes, args.requests = 20_000, 5
    run_at_scale(
        args,
        "bench-statistics-",
        lambda database: f"Database: {database}; {args.episodes} episodes in {args.campaigns} campaigns",
        run,
    )


if __name__ == "__main__":
    main()
