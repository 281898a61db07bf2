"""The outcomes part of bench_statistics: outcome records written in bulk SQL, the outcome KPIs'
counts from the KPI facts (SQL) and from numpy on the same records fetched as arrays.

Of the recalled episodes (2% of them left without an assessment, 2% did not attend): 11% invasive
and 4% DCIS on biopsy, 10% benign biopsies, the rest assessed normal or benign. Of the routine
results, 0.3% have a cancer diagnosed later (invasive or DCIS, up to three years later, never after
today): interval cancers when inside the 36-month window.
"""

import sys
from datetime import date
from typing import Any

import numpy as np

HASH2 = "((e.id * 40503) % 1000003)"
RECORD = "recorded_at, recorded_by_id, recorded_via, corrects_id, correction_reason, entered_in_error"
RECORDED = "now(), NULL, 'api', NULL, '', false"
IMAGED_ON = "(e.imaged_at AT TIME ZONE 'UTC')::date"
STATEMENTS = (
    (
        "assessments",
        f"""INSERT INTO outcomes_assessment ({RECORD}, episode_id, attended_on, site, outcome)
        SELECT {RECORDED}, e.id,
            CASE WHEN {HASH2} % 100 >= 96 THEN NULL ELSE {IMAGED_ON} + 20 END, '',
            CASE WHEN {HASH2} % 100 < 25 THEN 'biopsy_taken' WHEN {HASH2} % 100 < 96 THEN 'normal_benign'
                ELSE 'did_not_attend' END
        FROM campaigns_episode e
        WHERE e.result = 'recall' AND e.status = 'result_issued' AND {HASH2} % 100 < 98""",
    ),
    (
        "pathology",
        f"""INSERT INTO outcomes_pathology ({RECORD}, episode_id, side, lesion, kind, diagnosed_on,
            invasive_size_mm, grade, nodal_status, lung_rads_follow_up, nodule_outcome, stage)
        SELECT {RECORDED}, e.id, 'R', 1,
            CASE WHEN {HASH2} % 100 < 11 THEN 'invasive' WHEN {HASH2} % 100 < 15 THEN 'dcis'
                ELSE 'benign' END,
            {IMAGED_ON} + 25, NULL, NULL, '', '', '', ''
        FROM campaigns_episode e
        WHERE e.result = 'recall' AND e.status = 'result_issued' AND {HASH2} % 100 < 25""",
    ),
    (
        "diagnoses after routine results",
        f"""INSERT INTO outcomes_diagnosis ({RECORD}, patient_id, episode_id, diagnosed_on, side, kind,
            size_mm, reporting_source, months_since_screening, registry_import_id, fingerprint)
        SELECT {RECORDED}, e.patient_id, e.id,
            LEAST({IMAGED_ON} + ({HASH2} % 1100)::integer, current_date), 'L',
            CASE WHEN {HASH2} % 2 = 0 THEN 'invasive' ELSE 'dcis' END, NULL, 'Registry', NULL, NULL, ''
        FROM campaigns_episode e
        WHERE e.result = 'routine' AND e.status = 'result_issued' AND {HASH2} % 1000 < 3""",
    ),
)


def build_outcomes(cursor: Any, timed: Any) -> None:
    for label, sql in STATEMENTS:
        timed(f"insert {label}", lambda sql=sql: cursor.execute(sql))


def _add_months(days: np.ndarray, months: int) -> np.ndarray:
    """numpy's `episode_truth.add_months`: the same day, or the month's last day."""
    month = days.astype("datetime64[M]")
    offset = days - month.astype("datetime64[D]")
    return np.minimum(
        (month + months).astype("datetime64[D]") + offset, (month + months + 1).astype("datetime64[D]") - 1
    )


def _fetch(cursor: Any, sql: str) -> list[tuple]:
    cursor.execute(sql)
    return cursor.fetchall()


def reference_outcome_counts(
    cursor: Any, today: date, interval: int = 36, truths: dict[int, bool | None] | None = None
) -> dict[str, Any]:
    """The outcome KPIs' counts in numpy, from the episodes and outcome records as arrays; `truths`,
    when given, is filled with each episode's truth (True cancer, False none, None unknown)."""
    episodes = _fetch(
        cursor,
        f"""SELECT e.id, e.result, {IMAGED_ON} FROM campaigns_episode e
        WHERE e.result IN ('routine', 'recall') AND e.imaged_at IS NOT NULL AND NOT e.result_under_review
        ORDER BY e.id""",
    )
    ids = np.array([row[0] for row in episodes])
    recall = np.array([row[1] == "recall" for row in episodes])
    imaged = np.array([row[2] for row in episodes], dtype="datetime64[D]")
    where = np.searchsorted

    def per_episode(rows: list[tuple]) -> tuple[np.ndarray, list[tuple]]:
        kept = [row for row in rows if row[0] in set_ids]
        return where(ids, np.array([row[0] for row in kept], dtype=ids.dtype)), kept

    set_ids = set(ids.tolist())
    assessed_at, assessments = per_episode(
        _fetch(cursor, "SELECT episode_id, outcome FROM outcomes_assessment")
    )
    outcome = np.full(len(ids), "", dtype=object)
    outcome[assessed_at] = [row[1] for row in assessments]
    path_at, pathology = per_episode(_fetch(cursor, "SELECT episode_id, kind FROM outcomes_pathology"))
    kinds = np.array([row[1] for row in pathology], dtype=object)
    diag_at, diagnoses = per_episode(
        _fetch(
            cursor,
            "SELECT episode_id, kind, diagnosed_on FROM outcomes_diagnosis WHERE episode_id IS NOT NULL",
        )
    )
    diag_kind = np.array([row[1] for row in diagnoses], dtype=object)
    diag_on = np.array([row[2] for row in diagnoses], dtype="datetime64[D]")

    def flag(at: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros(len(ids), dtype=bool)
        out[at[mask]] = True
        return out

    cancer_kinds = ["invasive", "dcis"]
    path_cancer = flag(path_at, np.isin(kinds, cancer_kinds))
    path_any = flag(path_at, np.ones(len(path_at), dtype=bool))
    window_end = _add_months(imaged, interval)
    in_window = (
        np.isin(diag_kind, cancer_kinds) & (diag_on >= imaged[diag_at]) & (diag_on <= window_end[diag_at])
    )
    first_cancer = np.full(len(ids), np.datetime64("9999-12-31"), dtype="datetime64[D]")
    np.minimum.at(first_cancer, diag_at[in_window], diag_on[in_window])
    has_cancer = first_cancer != np.datetime64("9999-12-31")
    proven = (outcome == "malignant") | path_cancer | has_cancer
    benign = (outcome == "normal_benign") | ((outcome == "biopsy_taken") & path_any & ~path_cancer)
    detected = recall & proven
    false_positive = recall & ~proven & benign
    interval_cancer = ~recall & has_cancer
    true_negative = ~recall & ~has_cancer & (window_end <= np.datetime64(today))
    unknown = ~(detected | false_positive | interval_cancer | true_negative)
    if truths is not None:
        cancer = detected | interval_cancer
        truths.update(
            (episode, None if unsure else bool(sick))
            for episode, unsure, sick in zip(ids.tolist(), unknown.tolist(), cancer.tolist(), strict=True)
        )
    invasive = flag(path_at, kinds == "invasive") | flag(diag_at, diag_kind == "invasive")
    dcis = flag(path_at, kinds == "dcis") | flag(diag_at, diag_kind == "dcis")
    months = np.round((first_cancer - imaged).astype(np.int64) / (365.25 / 12), 1)
    bands = []
    for low, high in ((0, 12), (12, 24), (24, 36)):
        end = min(high, interval)
        observed = _add_months(imaged, end) <= np.datetime64(today)
        inside = (months >= low) & ((months <= end) if end == interval else (months < end))
        bands.append(
            (int((observed & interval_cancer & inside).sum()), int(observed.sum()), int((~observed).sum()))
        )
    return {
        "screened": len(ids),
        "detected": int(detected.sum()),
        "detected_invasive": int((detected & invasive).sum()),
        "detected_dcis": int((detected & ~invasive & dcis).sum()),
        "interval_cancers": int(interval_cancer.sum()),
        "recalled_unknown": int((recall & unknown).sum()),
        "false_positive": int(false_positive.sum()),
        "biopsied": int(
            (flag(assessed_at, np.array([row[1] == "biopsy_taken" for row in assessments])) | path_any).sum()
        ),
        "negatives": int((false_positive | true_negative).sum()),
        "routine_unknown": int((~recall & unknown).sum()),
        "bands": bands,
    }


def database_outcome_counts(user: Any, today: date) -> dict[str, Any]:
    from screening.statistics.kpi_scope import KpiFilters
    from screening.statistics.outcome_fact_selectors import outcome_counts, screened_facts

    counts = outcome_counts(screened_facts(user=user, filters=KpiFilters(), today=today), today=today)
    found = {name: getattr(counts, name) for name in counts.__dataclass_fields__ if name != "bands"}
    found["bands"] = [(band.cancers, band.observed, band.waiting) for band in counts.bands]
    return found


def compare_outcomes(database: dict[str, Any], reference: dict[str, Any]) -> None:
    differing = [
        f"{key}: SQL {database.get(key)} numpy {value}"
        for key, value in reference.items()
        if database.get(key) != value
    ]
    if differing:
        sys.exit("The outcome counts of the database and numpy disagree:\n" + "\n".join(differing))
    print(
        f"Outcome counts: SQL and numpy agree: {reference['screened']} screened, {reference['detected']} "
        f"screen-detected, {reference['interval_cancers']} interval cancers, {reference['false_positive']} "
        f"false positives, {reference['recalled_unknown'] + reference['routine_unknown']} unknown; bands "
        f"{reference['bands']}"
    )
