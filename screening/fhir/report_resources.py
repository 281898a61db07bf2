"""FHIR DiagnosticReport of an episode's signed result, with its Observations: each reader's
category (the latest signed version of each read) and the AI score where it may be shown."""

from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.observation import Observation

from screening.campaigns.models import EpisodeResult
from screening.fhir.fhir_selectors import ReportWithAi
from screening.fhir.patient_study_resources import patient_reference
from screening.inference_jobs.models import InferenceResult
from screening.reading.models import ReadOpinion
from screening.reading.read_selectors import EpisodeReport

SCREENING_CODES = "urn:screening:code"
RESULT_CODES = "urn:screening:episode-result"
SIDE_CODES = "urn:screening:side"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "imaging"}]
}
REPORT_CATEGORY = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "RAD", "display": "Radiology"}
    ]
}
SIDES = {"R": "Right", "L": "Left", "study": "Whole study"}


def ai_observation_id(result_id: int) -> str:
    return f"ai-{result_id}"


def read_observation_id(opinion_id: int) -> str:
    return f"read-{opinion_id}"


def report_observations(found: ReportWithAi) -> list[Observation]:
    """The report's observations: each signed read's latest version, then the AI score if shown."""
    report = found.report
    patient_id = report.episode.patient_id
    programme = report.episode.campaign.programme
    observations = [
        _reader_observation(versions[-1], patient_id, programme.code)
        for slot in report.slots
        if (versions := report.versions.get(slot.pk))
    ]
    if found.ai_result is not None:
        observations.append(_ai_observation(found.ai_result, patient_id))
    return observations


def diagnostic_report_resource(found: ReportWithAi, observations: list[Observation]) -> DiagnosticReport:
    """The episode's result as signed: final, or preliminary while an amendment is arbitrated."""
    report = found.report
    episode = report.episode
    decision = report.decision
    assert decision is not None  # a report exists only once the reads decided the result
    result = decision.result
    resource: dict[str, object] = {
        "id": str(episode.pk),
        "status": "preliminary" if episode.result_under_review else _amended_or_final(report),
        "category": [REPORT_CATEGORY],
        "code": {
            "coding": [{"system": SCREENING_CODES, "code": f"{episode.campaign.programme.code}-screening"}],
            "text": f"{episode.campaign.programme.name} result",
        },
        "subject": patient_reference(episode.patient_id),
        "effectiveDateTime": decision.decided_at.isoformat(),
        "issued": decision.decided_at.isoformat(),
        "imagingStudy": [{"reference": f"ImagingStudy/{decision.study_id}"}],
        "result": [{"reference": f"Observation/{observation.id}"} for observation in observations],
        "conclusion": str(EpisodeResult(result).label),
        "conclusionCode": [
            {
                "coding": [
                    {"system": RESULT_CODES, "code": result, "display": str(EpisodeResult(result).label)}
                ]
            }
        ],
    }
    return DiagnosticReport.model_validate(resource)


def _amended_or_final(report: EpisodeReport) -> str:
    return "amended" if any(len(signed) > 1 for signed in report.versions.values()) else "final"


def _reader_observation(opinion: ReadOpinion, patient_id: int, programme_code: str) -> Observation:
    """One reader's signed category per side (or for the whole study), and their call."""
    system = f"urn:screening:category:{programme_code}"
    resource: dict[str, object] = {
        "id": read_observation_id(opinion.pk),
        "status": "amended" if opinion.version > 1 else "final",
        "category": [OBSERVATION_CATEGORY],
        "code": {
            "coding": [{"system": SCREENING_CODES, "code": "reader-category"}],
            "text": "Reader's category",
        },
        "subject": patient_reference(patient_id),
        "effectiveDateTime": opinion.signed_at.isoformat(),
        "performer": [{"identifier": {"system": "urn:screening:user", "value": str(opinion.reader_id)}}],
        "valueCodeableConcept": {
            "coding": [{"system": RESULT_CODES, "code": opinion.result}],
            "text": str(EpisodeResult(opinion.result).label),
        },
        "component": [
            {
                "code": {"coding": [{"system": SIDE_CODES, "code": side}], "text": SIDES.get(side, side)},
                "valueCodeableConcept": {"coding": [{"system": system, "code": str(category)}]},
            }
            for side, category in sorted(opinion.categories.items())
            if category not in (None, "")
        ],
    }
    if not resource["component"]:
        del resource["component"]
    return Observation.model_validate(resource)


def _ai_observation(result: InferenceResult, patient_id: int) -> Observation:
    """The AI's calibrated score for the study, its triage band, and the model that gave it."""
    return Observation.model_validate(
        {
            "id": ai_observation_id(result.pk),
            "status": "final",
            "category": [OBSERVATION_CATEGORY],
            "code": {
                "coding": [{"system": SCREENING_CODES, "code": "ai-score"}],
                "text": "AI suspicion score",
            },
            "subject": patient_reference(patient_id),
            "effectiveDateTime": result.created_at.isoformat(),
            "valueQuantity": {
                "value": round(result.study_score, 6),
                "system": UCUM,
                "code": "1",
                "unit": "probability",
            },
            "interpretation": [
                {"coding": [{"system": f"{SCREENING_CODES}:triage-band", "code": result.band}]}
            ],
            "method": {"text": f"{result.model_name} {result.model_version}"[:200]},
        }
    )
