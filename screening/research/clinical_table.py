"""The package's clinical table: one row per exported study, written as CSV and JSON, with its
data dictionary. Nothing identifying: pseudonyms, an age band (or the age when retained), shifted
dates only when the option keeps them."""

import csv
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from screening.core.spreadsheet_cells import spreadsheet_safe
from screening.reading.models import ReadOpinion, ReadRole
from screening.research.study_facts import StudyFacts

AGE_BAND_YEARS = 5
READ_ROLES = (ReadRole.FIRST, ReadRole.SECOND, ReadRole.ARBITRATION)

# column -> its meaning, for the data dictionary (in the table's order).
COLUMNS: dict[str, str] = {
    "participant": "The participant's pseudonym (keyed HMAC-SHA256; the same in every export of this site)",
    "study_uid": "The study's pseudonymous Study Instance UID, as in the DICOM files (2.25.<integer>)",
    "programme": "The screening programme (e.g. breast, lung)",
    "modality": "DICOM modality of the study (MG, CT...)",
    "age_band": f"The participant's age at imaging in {AGE_BAND_YEARS}-year bands, e.g. 50-54",
    "age": "The age at imaging in whole years (only with Retain Patient Characteristics)",
    "sex": "Administrative sex F/M/O (only with Retain Patient Characteristics)",
    "study_date": "The imaging day shifted by the participant's keyed offset (only with Retain "
    "Longitudinal Temporal Information with Modified Dates; intervals between a participant's studies kept)",
    "ai_model": "The AI model's name (empty: no AI result, or AI consent withdrawn)",
    "ai_model_version": "The AI model's version",
    "ai_score": "The AI's calibrated probability of malignancy for the study (0-1)",
    "ai_band": "The AI's triage band: high, intermediate, low",
    **{
        f"read_{role}_{part}": text
        for role in READ_ROLES
        for part, text in (
            ("result", f"The {role} read's result: routine, recall, technical_recall"),
            (
                "categories",
                f"The {role} read's categories (BI-RADS per side R/L, or Lung-RADS for the study)",
            ),
        )
    },
    "final_decision": "The episode's result from the signed reads: routine, recall, technical_recall",
    "assessment_outcome": "The assessment's outcome when recalled: normal_benign, biopsy_taken, malignant",
    "truth": "The episode's truth: screen_detected, interval_cancer, false_positive, true_negative, "
    "unknown (follow-up incomplete), no_result",
}


@dataclass(frozen=True)
class TableOptions:
    retain_patient_characteristics: bool
    retain_dates_shifted: bool


def clinical_row(
    facts: StudyFacts, *, participant: str, study_uid: str, date_offset_days: int, options: TableOptions
) -> dict[str, Any]:
    """The table's row of one study."""
    study = facts.study
    episode = study.episode
    imaged_on = study.study_date or (episode.imaged_at.date() if episode and episode.imaged_at else None)
    age = _age(study.patient.date_of_birth, imaged_on) if study.patient and imaged_on else None
    row: dict[str, Any] = {
        "participant": participant,
        "study_uid": study_uid,
        "programme": episode.campaign.programme.code if episode else "",
        "modality": study.modality,
        "age_band": _band(age),
        "age": age if options.retain_patient_characteristics and age is not None else "",
        "sex": study.patient.sex if options.retain_patient_characteristics and study.patient else "",
        "study_date": (
            (imaged_on + timedelta(days=date_offset_days)).isoformat()
            if options.retain_dates_shifted and imaged_on
            else ""
        ),
        "ai_model": facts.ai.model_name if facts.ai else "",
        "ai_model_version": facts.ai.model_version if facts.ai else "",
        "ai_score": round(facts.ai.study_score, 6) if facts.ai else "",
        "ai_band": facts.ai_band,
    }
    for role in READ_ROLES:
        opinion = facts.reads.get(role)
        row[f"read_{role}_result"] = opinion.result if opinion else ""
        row[f"read_{role}_categories"] = _categories(opinion)
    row["final_decision"] = facts.final_decision
    row["assessment_outcome"] = facts.assessment_outcome
    row["truth"] = facts.truth.truth.value if facts.truth else ""
    return row


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _band(age: int | None) -> str:
    if age is None:
        return ""
    low = age - age % AGE_BAND_YEARS
    return f"{low}-{low + AGE_BAND_YEARS - 1}"


def _categories(opinion: ReadOpinion | None) -> str:
    if opinion is None:
        return ""
    return " ".join(f"{side}={category}" for side, category in sorted(opinion.categories.items()))


def clinical_table_write(rows: list[dict[str, Any]], folder: Path) -> list[Path]:
    """clinical.csv (formula injection neutralised), clinical.json and data_dictionary.md."""
    csv_path, json_path, dictionary_path = (
        folder / "clinical.csv",
        folder / "clinical.json",
        folder / "data_dictionary.md",
    )
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: spreadsheet_safe(value) for column, value in row.items()})
    json_path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = ["# Data dictionary", "", "clinical.csv and clinical.json: one row per study.", ""]
    lines += ["| Column | Meaning |", "| --- | --- |"]
    lines += [f"| {column} | {meaning} |" for column, meaning in COLUMNS.items()]
    dictionary_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [csv_path, json_path, dictionary_path]
