"""The accuracy part of bench_statistics: studies, AI results and signed double reads (with
arbitrations) written in bulk SQL for every screened episode, the accuracy counts from the KPI
facts (grouped SQL) against numpy and scikit-learn on the same reads and scores fetched as arrays.

Readers: first reads by two readers, second reads by two others (the AI shown to the first
readers, to half of the second reads), 3% and 4% of their calls the opposite of the episode's
result, and an arbitration (a fifth reader, the episode's result) where the two differ. The AI
score is a hash cubed, raised by 0.4 for the recalled episodes, so it carries the truth in part.
"""

import sys
from typing import Any

import numpy as np

SCREENED = "e.status = 'result_issued' AND e.result IN ('routine', 'recall') AND e.imaged_at IS NOT NULL"
HASH3 = "((e.id * 69069) % 1000003)"
SCORE = (
    f"LEAST(1.0, power(({HASH3} % 10007) / 10007.0, 3) + CASE WHEN e.result = 'recall' THEN 0.4 ELSE 0 END)"
)
FLIP = {"first": f"{HASH3} % 100 < 3", "second": f"({HASH3} / 100) % 100 < 4"}
SHOWN = {"first": "true", "second": "e.id % 2 = 0"}


def _call(role: str) -> str:
    opposite = "CASE WHEN e.result = 'recall' THEN 'routine' ELSE 'recall' END"
    return f"CASE WHEN {FLIP[role]} THEN {opposite} ELSE e.result END"


def _slots(role: str, signer: str, where: str, call: str, shown: str) -> tuple[tuple[str, str], ...]:
    slot = (
        f"read slots ({role})",
        f"""INSERT INTO reading_readslot (created_at, updated_at, episode_id, study_id, campaign_id, role,
            status, band_rank, ai_score, score_rank, waiting_since, priors_available, signed_by_id, signed_at)
        SELECT now(), now(), e.id, s.id, e.campaign_id, '{role}', 'signed', 1, NULL, 0, e.imaged_at, false,
            {signer}, e.imaged_at + interval '1 day'
        FROM imaging_study s JOIN campaigns_episode e ON e.id = s.episode_id WHERE {where}""",
    )
    opinion = (
        f"opinions ({role})",
        f"""INSERT INTO reading_readopinion (slot_id, version, reader_id, signed_at, result, categories,
            ai_agreement, ai_disagreement_reason, comment, reading_seconds, ai_shown, ai_band, ai_score,
            amendment_reason)
        SELECT r.id, 1, r.signed_by_id, r.signed_at, {call}, '{{"study": "2"}}', '', '', '', 60, {shown},
            'none', NULL, ''
        FROM reading_readslot r JOIN campaigns_episode e ON e.id = r.episode_id WHERE r.role = '{role}'""",
    )
    current = (
        f"current opinions ({role})",
        f"""UPDATE reading_readslot r SET current_opinion_id = o.id FROM reading_readopinion o
        WHERE o.slot_id = r.id AND r.role = '{role}'""",
    )
    return slot, opinion, current


def build_accuracy(cursor: Any, timed: Any, readers: list[int]) -> None:
    a, b, c, d, arbitrator = readers
    statements = [
        (
            "studies",
            f"""INSERT INTO imaging_study (created_at, updated_at, study_instance_uid, patient_id, episode_id,
                match_status, match_note, dicom_patient_id, dicom_issuer, dicom_patient_name, dicom_sex,
                study_time, accession_number, modality, description, first_source)
            SELECT now(), now(), '1.2.826.0.1.3680043.10.9.' || e.id, e.patient_id, e.id, 'matched', '',
                '', '', '', 'F', '', '', 'MG', '', 'cstore'
            FROM campaigns_episode e WHERE {SCREENED}""",
        ),
        (
            "inference jobs",
            """INSERT INTO inference_jobs_inferencejob (role, created_at, updated_at, study_id, model_name,
                model_version, status, attempts, max_attempts, worker, device, queued_at, error, timings_ms)
            SELECT 'active', now(), now(), s.id, 'bench', '1', 'succeeded', 1, 3, '', 'cpu', now(), '', '{}'
            FROM imaging_study s""",
        ),
        (
            "inference results",
            f"""INSERT INTO inference_jobs_inferenceresult (role, job_id, study_id, model_name, model_version,
                programme, study_score, band, high_threshold, low_threshold, side_scores, device,
                timings_ms, attempt, created_at)
            SELECT 'active', j.id, j.study_id, 'bench', '1', 'breast', {SCORE}, 'intermediate', 0.5, 0.1,
                '{{}}', 'cpu', '{{}}', 1, now()
            FROM inference_jobs_inferencejob j JOIN imaging_study s ON s.id = j.study_id
            JOIN campaigns_episode e ON e.id = s.episode_id""",
        ),
        *_slots(
            "first", f"CASE WHEN e.id % 2 = 0 THEN {a} ELSE {b} END", SCREENED, _call("first"), SHOWN["first"]
        ),
        *_slots(
            "second",
            f"CASE WHEN e.id % 2 = 0 THEN {c} ELSE {d} END",
            SCREENED,
            _call("second"),
            SHOWN["second"],
        ),
        *_slots(
            "arbitration",
            str(arbitrator),
            f"{SCREENED} AND ({_call('first')}) <> ({_call('second')})",
            "e.result",
            "true",
        ),
    ]
    for label, sql in statements:
        timed(f"insert {label}", lambda sql=sql: cursor.execute(sql))


def reference_accuracy(cursor: Any, truth_of: dict[int, bool | None]) -> dict[str, Any]:
    """The decisions' 2x2 tables, the readers' kappa and the AI's AUC from arrays (numpy, sklearn)."""
    from sklearn.metrics import cohen_kappa_score, roc_auc_score

    cursor.execute(
        f"""SELECT e.id, e.result, r.study_score,
            (SELECT o.result FROM reading_readslot s JOIN reading_readopinion o ON o.id = s.current_opinion_id
             WHERE s.episode_id = e.id AND s.role = 'first'),
            (SELECT o.result FROM reading_readslot s JOIN reading_readopinion o ON o.id = s.current_opinion_id
             WHERE s.episode_id = e.id AND s.role = 'second')
        FROM campaigns_episode e JOIN imaging_study st ON st.episode_id = e.id
        JOIN inference_jobs_inferenceresult r ON r.study_id = st.id
        WHERE {SCREENED} AND NOT e.result_under_review ORDER BY e.id"""
    )
    rows = cursor.fetchall()
    truth = np.array([truth_of.get(row[0]) for row in rows], dtype=object)
    known = truth != None  # noqa: E711 - numpy's elementwise comparison
    cancer = (truth == True) & known  # noqa: E712
    scores = np.array([row[2] for row in rows], dtype=np.float64)
    tables = {}
    for key, column in (("final", 1), ("first_read", 3), ("second_read", 4)):
        recall = np.array([row[column] == "recall" for row in rows])
        tables[key] = (
            int((recall & cancer).sum()),
            int((recall & known & ~cancer).sum()),
            int((~recall & cancer).sum()),
            int((~recall & known & ~cancer).sum()),
        )
    ai = scores >= 0.5
    tables["ai"] = tuple(
        int(x)
        for x in (
            (ai & cancer).sum(),
            (ai & known & ~cancer).sum(),
            (~ai & cancer).sum(),
            (~ai & known & ~cancer).sum(),
        )
    )
    first = np.array([row[3] == "recall" for row in rows])
    second = np.array([row[4] == "recall" for row in rows])
    return {
        "tables": tables,
        "auc": float(roc_auc_score(cancer[known], scores[known])),
        "kappa": float(cohen_kappa_score(first, second)),
    }


def database_accuracy(user: Any) -> dict[str, Any]:
    from screening.statistics.accuracy_counts import accuracy_counts
    from screening.statistics.accuracy_figures import auc_figure, kappa_figure
    from screening.statistics.accuracy_selectors import selection
    from screening.statistics.kpi_scope import KpiFilters

    counts = accuracy_counts(selection(user=user, filters=KpiFilters()))
    tables = {
        key: (tally.true_positive, tally.false_positive, tally.false_negative, tally.true_negative)
        for key, tally in counts.decisions.items()
        if key in ("final", "first_read", "second_read", "ai")
    }
    auc = auc_figure(counts.histogram).auc
    kappa = kappa_figure("kappa", "kappa", counts.readers_table).value
    return {"tables": tables, "auc": auc, "kappa": kappa}


def compare_accuracy(database: dict[str, Any], reference: dict[str, Any]) -> None:
    if database["tables"] != reference["tables"]:
        sys.exit(f"The 2x2 tables disagree:\nSQL   {database['tables']}\nnumpy {reference['tables']}")
    if abs(database["kappa"] - reference["kappa"]) > 1e-9:
        sys.exit(f"Kappa: SQL {database['kappa']} sklearn {reference['kappa']}")
    gap = abs(database["auc"] - reference["auc"])
    if gap > 1e-4:
        sys.exit(f"AUC: SQL (scores bucketed at 1/10 000) {database['auc']} sklearn {reference['auc']}")
    print(
        f"Accuracy counts: SQL and numpy agree: 2x2 tables (TP, FP, FN, TN) {database['tables']}; "
        f"kappa {database['kappa']:.6f}; AUC {database['auc']:.6f} (sklearn on the exact scores "
        f"{reference['auc']:.6f}, difference {gap:.1e})"
    )
