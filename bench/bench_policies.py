"""Benchmark of the subgroup equity figures and the threshold what-if simulator, checked against
numpy, scipy and scikit-learn on the same rows in the same run.

    .venv/bin/python bench/bench_policies.py \
        --database-url postgres://postgres@127.0.0.1:5432/bench_policies \
        [--episodes 1000000] [--campaigns 6] [--runs 10] [--quick] [--keep]

Builds bench_statistics' programme on a throwaway PostgreSQL database (`--episodes` episodes in
two rounds of `--campaigns` campaigns, with bench_outcomes' outcomes and bench_accuracy's AI
scores and double reads with arbitration, all in generate_series SQL), rebuilds the KPI facts, and
records a breast density (a-d, by a hash of the participant) for three participants in four as a
participant attribute. Then:
- subgroup equity (`equity_board`) by age band, round, site and breast density: timed, and each
  group's counts, Wilson intervals (scipy's binomtest) and AUC (scikit-learn on the exact scores)
  recomputed from the episodes fetched as arrays with their truth from bench_outcomes' numpy
  reference; counts must agree exactly, intervals to 1e-9, the AUC to 1e-4 (scores are bucketed);
- the simulator (`scenario_run`: one query, the replay and a 101-point curve) on the largest
  campaign's history (about 120 000 decided episodes at the defaults): p50 and p95 over `--runs`
  runs of the policy in force and of AI as second reader with triage and a safety net (goal: under
  2 s); the policy in force must give the statistics' own figures (the final decision's 2x2 table
  from `accuracy_counts`), and AI as second reader the same recalls and reads as a plain Python
  loop over the same rows, episode by episode.
`--quick`: 20 000 episodes, 3 runs.
"""

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "screening.config.settings.base"

from bench_accuracy import build_accuracy
from bench_outcomes import build_outcomes, reference_outcome_counts
from bench_statistics import build, measure
from bench_support import bench_user, run_at_scale, scale_arguments, timed

DENSITIES = "abcd"
GOAL_SECONDS = 2.0


def record_densities(cursor: Any) -> None:
    """Breast density for three participants in four (a hash picks a-d), as participant attributes."""
    cursor.execute(
        """INSERT INTO patients_participantattribute (patient_id, name, value, recorded_at, source)
        SELECT p.id, 'breast_density', substr('abcd', 1 + ((p.id * 40503) % 4)::int, 1), now(), 'bench'
        FROM patients_patient p WHERE p.id % 4 <> 0"""
    )


def _fetch_groups(cursor: Any) -> dict[str, Any]:
    """Per screened episode with a result: id, result, AI score and each breakdown's value."""
    cursor.execute(
        """SELECT f.episode_id, f.result, f.ai_score, f.age_band, f.screening_round, c.site,
            COALESCE(a.value, 'not recorded')
        FROM statistics_episodekpifacts f JOIN campaigns_campaign c ON c.id = f.campaign_id
        JOIN campaigns_episode e ON e.id = f.episode_id
        LEFT JOIN patients_participantattribute a ON a.patient_id = e.patient_id AND a.name = 'breast_density'
        WHERE f.truth <> '' ORDER BY f.episode_id"""
    )
    rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True))
    return {
        "ids": np.array(columns[0]),
        "recalled": np.array([value == "recall" for value in columns[1]]),
        "score": np.array([np.nan if value is None else value for value in columns[2]], dtype=np.float64),
        "age_band": np.array(columns[3]),
        "round": np.array(columns[4]),
        "site": np.array(columns[5]),
        "attribute:breast_density": np.array(columns[6]),
    }


def reference_equity(arrays: dict[str, Any], truths: dict[int, bool | None], by: str) -> dict[str, Any]:
    """Each group's counts, Wilson intervals (scipy) and AUC (sklearn) from the arrays."""
    from scipy.stats import binomtest
    from sklearn.metrics import roc_auc_score

    truth = np.array([truths.get(int(i)) for i in arrays["ids"]], dtype=object)
    known = truth != None  # noqa: E711 - numpy's elementwise comparison
    cancer = (truth == True) & known  # noqa: E712
    none = known & ~cancer
    recalled, score = arrays["recalled"], arrays["score"]
    figures = {}
    for group in np.unique(arrays[by]):
        mask = arrays[by] == group
        counts = {
            "sensitivity": (int((recalled & cancer & mask).sum()), int((cancer & mask).sum())),
            "specificity": (int((~recalled & none & mask).sum()), int((none & mask).sum())),
            "recall_rate": (int((recalled & mask).sum()), int(mask.sum())),
        }
        intervals = {
            name: tuple(100 * x for x in binomtest(k, n).proportion_ci(method="wilson")) if n else None
            for name, (k, n) in counts.items()
        }
        scored = mask & known & ~np.isnan(score)
        both = cancer[scored].any() and (~cancer[scored]).any()
        auc = 100 * roc_auc_score(cancer[scored].astype(bool), score[scored]) if both else None
        figures[str(group)] = {"counts": counts, "intervals": intervals, "auc": auc}
    return figures


def compare_equity(board: Any, reference: dict[str, Any], by: str) -> str:
    """Exit unless every shown figure of the board equals the reference's; a line to print."""
    auc_gap = 0.0
    for figure in board.groups:
        expected = reference[figure.group]
        for name, (k, n) in expected["counts"].items():
            share = getattr(figure, name)
            if share.suppressed:
                continue
            if (share.numerator, share.denominator) != (k, n):
                sys.exit(
                    f"{by} {figure.group} {name}: SQL {share.numerator}/{share.denominator}, numpy {k}/{n}"
                )
            low, high = expected["intervals"][name]
            if abs(share.low - low) > 1e-9 or abs(share.high - high) > 1e-9:
                sys.exit(f"{by} {figure.group} {name}: interval {share.low, share.high}, scipy {low, high}")
        if figure.auc.value is not None:
            auc_gap = max(auc_gap, abs(figure.auc.value - expected["auc"]) / 100)
    if auc_gap > 1e-3:  # scores bucketed at 1/10 000: near ties merge (docs/statistics.md)
        sys.exit(f"{by}: AUC differs from sklearn's by {auc_gap}")
    flagged = sum(figure.flagged for figure in board.groups)
    return f"{len(board.groups)} groups agree, {flagged} flagged; AUC within {auc_gap:.1e} of sklearn"


def loop_replay(history: Any, threshold: float) -> tuple[int, int]:
    """AI as second reader at `threshold`, episode by episode in plain Python: (recalls, reads)."""
    recalls = reads = 0
    for i in range(len(history)):
        score, first = history.score[i], int(history.first[i])
        real_reads = sum(int(role[i]) != -1 for role in (history.first, history.second, history.arbitration))
        if np.isnan(score) or first not in (0, 1):
            recalls += int(_in_force_call(history, i))
            reads += real_reads
            continue
        if (first == 1) == (score >= threshold):
            recalls += first
            reads += 1
            continue
        arbitration = int(history.arbitration[i])
        recalls += arbitration if arbitration in (0, 1) else int(history.recalled[i])
        reads += 2
    return recalls, reads


def _in_force_call(history: Any, i: int) -> bool:
    from screening.policies.policy_replay import Policy, policy_replay

    return bool(policy_replay(_one(history, i), Policy()).recalled[0])


def _one(history: Any, i: int) -> Any:
    from dataclasses import fields

    return type(history)(**{f.name: getattr(history, f.name)[i : i + 1] for f in fields(history)})


def run(args: argparse.Namespace) -> None:
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from screening.campaigns.models import Campaign
    from screening.policies.history_selectors import campaign_history
    from screening.policies.policy_replay import AI_SECOND, Policy, policy_replay
    from screening.policies.scenario_selectors import scenario_run
    from screening.statistics.accuracy_counts import accuracy_counts
    from screening.statistics.accuracy_selectors import selection
    from screening.statistics.equity_selectors import equity_board
    from screening.statistics.kpi_facts_services import kpi_facts_rebuild
    from screening.statistics.kpi_scope import KpiFilters
    from screening.statistics.models import EpisodeKpiFacts

    readers = [bench_user(f"bench_reader_{n}", "radiologist").user.pk for n in range(5)]
    with transaction.atomic():
        build(episodes=args.episodes, campaigns=args.campaigns)
        with connection.cursor() as cursor:
            build_outcomes(cursor, timed)
            build_accuracy(cursor, timed, readers)
            timed("insert breast densities", lambda: record_densities(cursor))
    timed("KPI facts and monthly counts: rebuild", kpi_facts_rebuild)
    with connection.cursor() as cursor:
        timed("analyze", lambda: cursor.execute("ANALYZE"))
    auditor = bench_user("bench_auditor", "auditor").user
    print(f"Load average before measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    truths: dict[int, bool | None] = {}
    with connection.cursor() as cursor:
        timed(
            "truths in numpy (bench_outcomes)",
            lambda: reference_outcome_counts(cursor, timezone.localdate(), truths=truths),
        )
        arrays, _ = timed("episodes and groups fetched as arrays", lambda: _fetch_groups(cursor))
    print(f"Screened episodes with a result: {len(arrays['ids'])}")
    for by in ("age_band", "round", "site", "attribute:breast_density"):
        board, _ = timed(
            f"equity by {by} (SQL, 2 grouped queries)",
            lambda by=by: equity_board(user=auditor, filters=KpiFilters(), group=by),
        )
        reference, _ = timed(
            "  the same in numpy/scipy/sklearn", lambda by=by: reference_equity(arrays, truths, by)
        )
        print(f"  {compare_equity(board, reference, by)}")

    largest = (
        EpisodeKpiFacts.objects.exclude(truth="")
        .values("campaign")
        .annotate(n=Count("*"))
        .order_by("-n")
        .first()
    )
    campaign = Campaign.objects.get(pk=largest["campaign"])
    history, _ = timed(
        "simulator: history of the largest campaign (one query)",
        lambda: campaign_history(user=auditor, campaign=campaign),
    )
    print(f"History: {len(history)} decided episodes of {campaign.name}")
    real = scenario_run(user=auditor, campaign=campaign, policy=Policy())
    tally = accuracy_counts(selection(user=auditor, filters=KpiFilters(campaign=campaign.pk))).decisions[
        "final"
    ]
    sql = (tally.true_positive, tally.false_negative, tally.true_negative, tally.false_positive)
    replayed = (
        real.projected.sensitivity.numerator,
        real.projected.sensitivity.denominator - real.projected.sensitivity.numerator,
        real.projected.specificity.numerator,
        real.projected.specificity.denominator - real.projected.specificity.numerator,
    )
    if replayed != sql or real.projected != real.real:
        sys.exit(f"The policy in force replayed {replayed}, the statistics count {sql}")
    print(f"Policy in force: replay = real = statistics (TP, FN, TN, FP) {sql}")
    print(f"Episodes whose two generated reads agree against their result (not rebuilt): {real.kept}")
    vector = policy_replay(history, Policy(base=AI_SECOND, ai_threshold=0.5))
    loop, _ = timed(
        "AI second reader at 0.5, plain Python loop (reference)", lambda: loop_replay(history, 0.5)
    )
    if (int(vector.recalled.sum()), int(vector.reads.sum())) != loop:
        sys.exit(
            f"AI second reader: numpy {(int(vector.recalled.sum()), int(vector.reads.sum()))}, loop {loop}"
        )
    print(f"AI second reader at 0.5: numpy = loop: (recalls, reads) {loop}")
    policies = {
        "the policy in force (no curve)": Policy(),
        "AI second reader t=0.5, triage t1=0.1, net t2=0.9": Policy(
            base=AI_SECOND, ai_threshold=0.5, triage_below=0.1, safety_net_at=0.9
        ),
    }
    for label, policy in policies.items():
        _, p95 = measure(
            f"scenario_run: {label}",
            lambda policy=policy: scenario_run(user=auditor, campaign=campaign, policy=policy),
            args.runs,
        )
        verdict = "met" if p95 < GOAL_SECONDS * 1000 else "NOT met"
        print(f"{'':<52} goal p95 < {GOAL_SECONDS * 1000:.0f} ms: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1_000_000)
    parser.add_argument("--campaigns", type=int, default=6)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="20 000 episodes, 3 runs")
    scale_arguments(parser)
    args = parser.parse_args()
    if args.quick:
        args.episodes, args.runs = 20_000, 3
    run_at_scale(
        args,
        "bench-policies-",
        lambda database: f"Database: {database}; {args.episodes} episodes in {args.campaigns} campaigns",
        run,
    )


if __name__ == "__main__":
    main()
