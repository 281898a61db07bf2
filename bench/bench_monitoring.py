"""Benchmark of AI monitoring at scale, checked against numpy and scipy on the same arrays.

    .venv/bin/python bench/bench_monitoring.py \
        --database-url postgres://postgres@127.0.0.1:5432/bench_monitoring \
        [--results 1000000] [--sites 10] [--requests 20] [--quick] [--keep]

Builds on a throwaway PostgreSQL database, with SQL `generate_series`, `--results` AI results of the
shipped breast-demo:2.0.0 at `--sites` sites over 52 weeks (one study, one series and one image
each; about one study in a hundred, by a hash, has a failed job instead). Scores are the card's own
validation histogram sampled by a hash (so the sites are stable), except site 0 in the last 8 weeks,
where the model degrades (the square root of the score); site 1's last 4 weeks bring a new scanner
maker.

Then, in the same run:
- the weekly summaries rebuilt by grouped SQL (`manage.py monitoring_evaluate`'s first step), and
  the figures and alerts from them (`findings_current`), timed;
- the same weekly histograms, PSI and KS from numpy and scipy (`scipy.stats.ks_2samp` on the bins)
  on the scores fetched as arrays: they must agree (bins exactly, figures to 1e-9), or the run fails;
- p50 and p95 over `--requests` requests of the monitoring page (`GET /monitoring/` as an auditor)
  and the API (`GET /api/v1/monitoring/drift/`, `GET /api/v1/monitoring/alerts/`), goal p95 < 1 s.
`--quick`: 50 000 results, 5 requests.
"""

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "screening.config.settings.base"

from bench_statistics import measure
from bench_support import bench_user, run_at_scale, scale_arguments, timed

MODEL = "breast-demo:2.0.0"
FIRST_MONDAY = "2025-01-06"
WEEKS = 52
PAGE_GOAL_MS = 1000.0


def _quantile_table(counts: list[int]) -> str:
    """A VALUES list mapping 1 000 hash slots to score bins in proportion to the card's histogram."""
    shares = np.cumsum(np.asarray(counts, dtype=float)) / sum(counts)
    bins = np.searchsorted(shares, (np.arange(1000) + 0.5) / 1000)
    return ", ".join(f"({slot}, {int(b)})" for slot, b in enumerate(bins))


def build(*, results: int, sites: int) -> None:
    """Sites, one episode each, and per result a study, series, image, job and result, in SQL."""
    from django.db import connection

    from screening.campaigns.models import Campaign, Episode, Programme
    from screening.campaigns.programme_definitions import programmes_seed
    from screening.monitoring.card_baselines import card_baselines
    from tests.factories import PatientFactory

    programmes_seed(Programme)
    breast = Programme.objects.get(code="breast")
    patient = PatientFactory()
    episodes = [
        Episode.objects.create(
            patient=patient,
            campaign=Campaign.objects.create(
                programme=breast,
                name=f"Bench {n}",
                site=f"Site {n}",
                start_date="2025-01-01",
                end_date="2025-12-31",
            ),
            status="imaged",
            status_changed_at="2025-01-01T12:00Z",
        ).pk
        for n in range(sites)
    ]
    studies = int(results * 100 / 99)
    week = f"(g % {WEEKS})"
    site = f"(g / {WEEKS} % {sites})"
    statements = [
        (
            "studies",
            f"""INSERT INTO imaging_study (created_at, updated_at, study_instance_uid, episode_id,
                match_status, match_note, dicom_patient_id, dicom_issuer, dicom_patient_name, dicom_sex,
                study_time, accession_number, modality, description, first_source, study_date)
            SELECT now(), now(), '2.25.' || g, {episodes[0]} + {site}, 'matched', '', '', '', '', '', '', '',
                'MG', '', 'upload', date '{FIRST_MONDAY}' + {week} * 7 + g % 5
            FROM generate_series(1, {studies}) g""",
        ),
        (
            "series",
            f"""INSERT INTO imaging_series (study_id, series_instance_uid, modality, body_part, description,
                manufacturer, manufacturer_model, software_versions, created_at)
            SELECT s.id, s.study_instance_uid || '.1', 'MG', 'BREAST', '',
                CASE WHEN s.episode_id = {episodes[min(1, sites - 1)]}
                    AND s.study_date >= date '{FIRST_MONDAY}' + {(WEEKS - 4) * 7}
                    AND (s.id * 2654435761) % 1000003 % 2 = 0
                    THEN 'FUJIFILM'
                    WHEN (s.id * 2654435761) % 1000003 % 10 < 7 THEN 'HOLOGIC'
                    ELSE 'GE MEDICAL SYSTEMS' END,
                CASE WHEN (s.id * 2654435761) % 1000003 % 10 < 7 THEN 'Selenia Dimensions'
                    ELSE 'Senographe Pristina' END,
                '1.10', now()
            FROM imaging_study s""",
        ),
        (
            "images",
            """INSERT INTO imaging_instance (series_id, sop_instance_uid, sop_class_uid,
                transfer_syntax_uid, laterality, view_position, rows, columns, frames,
                photometric_interpretation, file, size_bytes, sha256, source, received_at, kvp, exposure_mas,
                implant_present, pixel_spacing)
            SELECT r.id, r.series_instance_uid || '.1', '1.2.840.10008.5.1.4.1.1.1.2', '1.2.840.10008.1.2.1',
                'L', 'CC', 3328, 2560, 1, 'MONOCHROME2', 'x.dcm', 1, '', 'upload', now(),
                28 + (r.id * 2654435761) % 1000003 % 4,
                80 + (r.id * 40503) % 997 % 40, (r.id * 2654435761) % 1000003 % 50 = 0,
                '[0.07, 0.07]'::jsonb
            FROM imaging_series r""",
        ),
        (
            "jobs",
            """INSERT INTO inference_jobs_inferencejob (role, created_at, updated_at, study_id, model_name,
                model_version, status, attempts, max_attempts, worker, device, queued_at, error, timings_ms)
            SELECT 'active', now(), now(), s.id, 'breast-demo', '2.0.0',
                CASE WHEN (s.id * 2654435761) % 1000003 % 100 = 0 THEN 'failed' ELSE 'succeeded' END,
                1, 3, '', 'cpu', now(), '',
                '{}'
            FROM imaging_study s""",
        ),
        (
            "results",
            f"""WITH slots(slot, bin) AS (VALUES {_quantile_table(list(card_baselines()[MODEL].counts))})
            INSERT INTO inference_jobs_inferenceresult (role, job_id, study_id, model_name, model_version,
                programme, study_score, band, high_threshold, low_threshold, side_scores, device, timings_ms,
                attempt, created_at)
            SELECT 'active', j.id, j.study_id, 'breast-demo', '2.0.0', 'breast', x.score,
                CASE WHEN x.score >= 0.391044 THEN 'high' WHEN x.score < 0.170756 THEN 'low'
                    ELSE 'intermediate' END, 0.391044, 0.170756, '{{}}', 'cpu', '{{}}', 1, now()
            FROM inference_jobs_inferencejob j
            JOIN imaging_study s ON s.id = j.study_id
            JOIN slots ON slots.slot = (j.id * 2654435761) % 1000003 % 1000
            CROSS JOIN LATERAL (SELECT CASE
                WHEN s.episode_id = {episodes[0]}
                    AND s.study_date >= date '{FIRST_MONDAY}' + {(WEEKS - 8) * 7}
                THEN sqrt((slots.bin + ((j.id * 40503) % 997) / 997.0) / 100.0)
                ELSE (slots.bin + ((j.id * 40503) % 997) / 997.0) / 100.0 END AS score) x
            WHERE j.status = 'succeeded'""",
        ),
    ]
    with connection.cursor() as cursor:
        for label, sql in statements:
            timed(f"build: {label}", lambda sql=sql: cursor.execute(sql))
        timed("analyze", lambda: cursor.execute("ANALYZE"))
        cursor.execute("SELECT count(*) FROM inference_jobs_inferenceresult")
        print(f"AI results: {cursor.fetchone()[0]}")


def reference(cursor: Any) -> dict[tuple[str, str], np.ndarray]:
    """Each (site, week)'s score histogram from numpy on the fetched scores."""
    from inference.training.score_baseline import SCORE_BINS

    cursor.execute(
        """SELECT c.site, date_trunc('week', s.study_date)::date, r.study_score
        FROM inference_jobs_inferenceresult r JOIN imaging_study s ON s.id = r.study_id
        JOIN campaigns_episode e ON e.id = s.episode_id JOIN campaigns_campaign c ON c.id = e.campaign_id"""
    )
    rows = cursor.fetchall()
    sites = np.array([row[0] for row in rows])
    weeks = np.array([str(row[1]) for row in rows])
    scores = np.array([row[2] for row in rows], dtype=np.float64)
    keys, index = np.unique(np.char.add(np.char.add(sites, "|"), weeks), return_inverse=True)
    bins = np.minimum(np.floor(scores * SCORE_BINS).astype(np.int64), SCORE_BINS - 1)
    flat = np.bincount(index * SCORE_BINS + bins, minlength=len(keys) * SCORE_BINS)
    histograms = flat.reshape(len(keys), SCORE_BINS)
    return {tuple(key.split("|")): histograms[i] for i, key in enumerate(keys)}  # type: ignore[misc]


def compare(reference_bins: dict[tuple[str, str], np.ndarray]) -> tuple[float, float]:
    """The database's weekly bins must equal numpy's; PSI and KS from the maths against numpy/scipy."""
    from scipy import stats

    from screening.monitoring.card_baselines import card_baselines
    from screening.monitoring.models import ScoreWeek
    from screening.statistics.maths.drift import (
        bins_grouped,
        counts_grouped,
        ks_statistic_binned,
        population_stability_index,
    )

    baseline = np.array(card_baselines()[MODEL].counts)
    groups = bins_grouped(baseline, 10)
    expanded_baseline = np.repeat(np.arange(len(baseline)), baseline)
    worst_psi = worst_ks = 0.0
    weeks = list(ScoreWeek.objects.filter(model_key=MODEL, results__gt=0))
    if len(weeks) != len(reference_bins):
        raise SystemExit(f"{len(weeks)} weekly rows in the database, {len(reference_bins)} in numpy")
    for week in weeks:
        expected = reference_bins[(week.site, str(week.week))]
        if not np.array_equal(np.array(week.bins), expected):
            raise SystemExit(f"bins differ for {week.site} {week.week}")
        e = np.maximum(np.bincount(groups, weights=baseline) / baseline.sum(), 1e-4)
        a = np.maximum(np.bincount(groups, weights=expected) / expected.sum(), 1e-4)
        psi_numpy = float(np.sum((a - e) * np.log(a / e)))
        psi = population_stability_index(counts_grouped(baseline, groups), counts_grouped(week.bins, groups))
        ks_scipy = stats.ks_2samp(expanded_baseline, np.repeat(np.arange(len(expected)), expected)).statistic
        ks = ks_statistic_binned(baseline, week.bins)
        worst_psi, worst_ks = max(worst_psi, abs(psi - psi_numpy)), max(worst_ks, abs(ks - ks_scipy))
    if worst_psi > 1e-9 or worst_ks > 1e-9:
        raise SystemExit(f"figures differ: PSI by {worst_psi:g}, KS by {worst_ks:g}")
    print(
        f"{len(weeks)} site-weeks: bins equal; PSI within {worst_psi:.1e} of numpy, "
        f"KS within {worst_ks:.1e} of scipy"
    )
    return worst_psi, worst_ks


def run(args: argparse.Namespace) -> None:
    from django.db import connection, transaction
    from django.test import Client

    from screening.monitoring.alert_services import findings_current, monitoring_evaluate
    from screening.monitoring.models import MonitoringAlert
    from screening.monitoring.summary_services import summaries_rebuild

    with transaction.atomic():
        build(results=args.results, sites=args.sites)
    counts, _ = timed("weekly summaries: rebuild by grouped SQL", summaries_rebuild)
    print(f"Summary rows: {counts}")
    findings, _ = timed("drift, header and CUSUM figures: findings", findings_current)
    print(f"Findings: {len(findings)}")
    with connection.cursor() as cursor:
        bins, _ = timed("the same histograms in numpy (fetch + compute)", lambda: reference(cursor))
    timed("PSI / KS against numpy and scipy", lambda: compare(bins))
    auditor = bench_user("bench_auditor", "auditor")
    timed("monitoring_evaluate (rebuild + alerts)", lambda: monitoring_evaluate(actor=auditor))
    raised = MonitoringAlert.objects.values_list("kind", "site", "subject")
    print(f"Alerts: {sorted(set(raised))}")
    client = Client(HTTP_HOST="localhost")
    client.force_login(auditor.user)

    def get(url: str) -> Any:
        def fetch() -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")

        return fetch

    print(f"Load average before measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    query = f"?model={MODEL}&site=Site+0"
    _, p95 = measure("monitoring page GET /monitoring/", get(f"/monitoring/{query}"), args.requests)
    print(f"{'':<52} goal p95 < {PAGE_GOAL_MS:.0f} ms: {'met' if p95 < PAGE_GOAL_MS else 'NOT met'}")
    measure("API GET /api/v1/monitoring/drift/", get(f"/api/v1/monitoring/drift/{query}"), args.requests)
    measure("API GET /api/v1/monitoring/alerts/", get("/api/v1/monitoring/alerts/"), args.requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="50 000 results, 5 requests")
    scale_arguments(parser)
    args = parser.parse_args()
    if args.quick:
        args.results, args.requests = 50_000, 5
    run_at_scale(
        args,
        "bench-monitoring-",
        lambda database: (
            f"Database: {database}; {args.results} results at {args.sites} sites over {WEEKS} weeks"
        ),
        run,
    )


if __name__ == "__main__":
    main()
