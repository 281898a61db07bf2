"""The package's README: what it is, how it was de-identified, what it holds and what it left out."""

from screening.research.models import ExclusionReason, ExportJob


def readme_text(
    job: ExportJob, profile_edition: str, counts: dict[str, int], withheld: dict[str, int]
) -> str:
    """The README of export `job` (no identifier: ids of the export and programme only)."""
    options = [
        ("Retain Longitudinal Temporal Information with Modified Dates", job.retain_dates_shifted),
        ("Retain Patient Characteristics", job.retain_patient_characteristics),
        ("Retain Device Identity", job.retain_device_identity),
        ("OCR check of burned-in text", job.ocr_check),
    ]
    excluded = [
        f"- {reason.label}: {job.excluded.get(reason.value, 0)} participant(s)" for reason in ExclusionReason
    ]
    lines = [
        f"# Research export {job.pk}",
        "",
        "De-identified images, AI results, reads and outcomes of participants whose research consent was",
        "granted when the export ran.",
        "",
        f"- Programme: {job.programme.code}",
        f"- Approval reference: {job.approval_reference}",
        f"- De-identification: DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile, "
        f"table edition {profile_edition}",
        "",
        "## Options",
        *[f"- {name}: {'yes' if on else 'no'}" for name, on in options],
        "",
        "## Counts",
        f"- Participants: {counts['participants']}",
        f"- Studies: {counts['studies']}",
        f"- DICOM files: {counts['files']}",
        f"- AI heat maps: {counts.get('heatmaps', 0)}",
        "",
        "## Left out",
        *excluded,
        *[f"- Files withheld ({reason}): {count}" for reason, count in sorted(withheld.items())],
        "",
        "## Files",
        "- `<participant>/<study uid>/<series uid>/<sop uid>.dcm`: the images, pseudonymised",
        "- heat maps: the AI's heat map of an image as a Secondary Capture (series number 900) in the",
        "  image's study, the same size, naming the image in its Source Image Sequence",
        "- `clinical.csv`, `clinical.json`: one row per study; see `data_dictionary.md`",
        "- `manifest-sha256.txt`: the SHA-256 of every file (check with `sha256sum -c manifest-sha256.txt`)",
        "",
    ]
    return "\n".join(lines)
