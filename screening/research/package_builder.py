"""Building one research package in a staging folder: every file de-identified (which also lists
the original's identifiers) and parsed back, the clinical table and README written, then the zip
streamed to disk with the manifest, every byte of it canary-scanned on the way for every
identifier of the exported participants. Any doubt fails it.

A file whose Pixel Data element is copied byte for byte is staged as its de-identified header
alone: the zip takes the header from the staging folder and the pixel data straight from the
original, so each file's pixels are read once and written once (into the zip). The zip is written
after every file is de-identified, because the scan needs the identifiers of every original."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydicom

from inference.dicom_reading import MAX_DECODED_FRAME_BYTES, MAX_DECODED_IMAGE_BYTES
from inference.pixel_bounds import pixel_bounds_check
from screening.imaging.dicom_storage import stored_file_local
from screening.imaging.models import Instance
from screening.inference_jobs.heatmap_overlay import stored_heat
from screening.inference_jobs.models import InferenceResult
from screening.research.clinical_table import TableOptions, clinical_row, clinical_table_write
from screening.research.deid.canary_scan import CanaryMatcher
from screening.research.deid.deidentify import PROFILE_EDITION, deidentify_file
from screening.research.deid.heatmap_capture import heatmap_secondary_capture
from screening.research.deid.options import DeidOptions
from screening.research.deid.pixel_copy import PixelSpan, pixel_span
from screening.research.deid.pseudonyms import Pseudonymiser
from screening.research.export_canaries import database_canaries
from screening.research.export_cohort import Cohort
from screening.research.models import ExportJob
from screening.research.package_files import PackageMember, Piece, WrittenZip, package_zip_stream
from screening.research.package_readme import readme_text

PACKAGE_FOLDER = "package"
STAGED_FOLDER = "files"
ZIP_NAME = "package.zip"


class ExportCancelled(Exception):
    """The coordinator cancelled the export; it stops between files."""


class ExportCheckFailed(Exception):
    """The package failed its own verification; the message is the report (no identifier in it)."""


@dataclass(frozen=True)
class StudyMapping:
    patient_id: int
    participant_pseudonym: str
    original_study_uid: str
    pseudonymous_study_uid: str


@dataclass
class BuiltPackage:
    zip_path: Path
    size: int
    sha256: str
    files_included: int = 0
    files_withheld: Counter[str] = field(default_factory=Counter)
    studies: list[StudyMapping] = field(default_factory=list)


# Called after each file with (files done); raises ExportCancelled to stop.
Progress = Callable[[int], None]


def package_build(
    *, job: ExportJob, cohort: Cohort, key: bytes, staging: Path, progress: Progress
) -> BuiltPackage:
    """Build and verify the package of `cohort` under `staging` (which the caller removes)."""
    pseudonymiser = Pseudonymiser(key)
    options = DeidOptions(
        retain_dates_shifted=job.retain_dates_shifted,
        retain_patient_characteristics=job.retain_patient_characteristics,
        retain_device_identity=job.retain_device_identity,
        ocr_check=job.ocr_check,
    )
    folder, staged_folder = staging / PACKAGE_FOLDER, staging / STAGED_FOLDER
    folder.mkdir(parents=True)
    staged_folder.mkdir()
    canaries = database_canaries(cohort)
    placed = 0
    withheld: Counter[str] = Counter()
    members: dict[str, PackageMember] = {}
    studies, rows, done, heatmaps = [], [], 0, 0

    def heatmap_args(patient_id: str, pseudonym: str) -> dict[str, Any]:
        return {
            "pseudonymiser": pseudonymiser,
            "options": options,
            "participant_id": patient_id,
            "participant_pseudonym": pseudonym,
        }

    for facts in cohort.facts:
        study, patient_pk = facts.study, facts.study.patient_id
        if patient_pk is None:  # the cohort holds matched studies only
            continue
        patient_id = str(patient_pk)
        pseudonym = pseudonymiser.participant(patient_id)
        mapping = StudyMapping(
            patient_pk,
            pseudonym,
            study.study_instance_uid,
            pseudonymiser.uid(study.study_instance_uid),
        )
        written = 0
        for instance in Instance.objects.filter(series__study=study).order_by(
            "series_id", "instance_number", "pk"
        ):
            source = stored_file_local(str(instance.file.name), staged_folder)
            staged = staged_folder / f"{instance.pk}.dcm"
            outcome = deidentify_file(
                source,
                staged,
                pseudonymiser=pseudonymiser,
                options=options,
                participant_id=patient_id,
                participant_pseudonym=pseudonym,
                pixels_check=export_pixels_check,
                pixels_apart=True,
            )
            canaries |= outcome.identifiers
            if outcome.written:
                member = _placed(staged, source, outcome.pixel_span, pseudonym)
                members[member.name] = member
                written += 1
            else:
                withheld[outcome.withheld_reason or "withheld"] += 1
            done += 1
            progress(done)
        if written and facts.ai is not None:
            for member in _heatmaps_placed(facts.ai, staged_folder, heatmap_args(patient_id, pseudonym)):
                members[member.name] = member
                heatmaps += 1
        placed += written
        if written:
            studies.append(mapping)
            rows.append(
                clinical_row(
                    facts,
                    participant=pseudonym,
                    study_uid=mapping.pseudonymous_study_uid,
                    date_offset_days=pseudonymiser.date_offset_days(patient_id),
                    options=TableOptions(job.retain_patient_characteristics, job.retain_dates_shifted),
                )
            )
    for path in clinical_table_write(rows, folder):
        members[path.name] = PackageMember.whole_file(path.name, path)
    counts = {
        "participants": len({m.patient_id for m in studies}),
        "studies": len(studies),
        "files": placed,
        "heatmaps": heatmaps,
    }
    readme = folder / "README.md"
    readme.write_text(readme_text(job, PROFILE_EDITION, counts, dict(withheld)), encoding="utf-8")
    members[readme.name] = PackageMember.whole_file(readme.name, readme)
    written_zip = package_zip_stream(
        members.values(),
        staging / ZIP_NAME,
        prefix=f"research-export-{job.pk}",
        matcher=CanaryMatcher(canaries),
    )
    _canary_check(written_zip)
    return BuiltPackage(
        staging / ZIP_NAME, written_zip.size, written_zip.sha256, counts["files"], withheld, studies
    )


def _heatmaps_placed(result: InferenceResult, folder: Path, args: dict[str, Any]) -> list[PackageMember]:
    """The AI's heat maps of the study's images as de-identified Secondary Captures beside them
    (one per image: heat maps of further slices of a multi-frame image are not exported)."""
    placed = []
    images = result.images.filter(slice_index=0).select_related("instance").order_by("pk")
    for image in images:
        if not image.has_heatmap:
            continue
        staged = folder / f"staged-heatmap-{image.pk}.dcm"
        heatmap_secondary_capture(
            stored_heat(image),
            source=stored_file_local(str(image.instance.file.name), folder),
            dst=staged,
            model_version=result.model_version,
            **args,
        )
        placed.append(_placed(staged, staged, None, args["participant_pseudonym"]))
    return placed


def _placed(staged: Path, source: Path, span: PixelSpan | None, pseudonym: str) -> PackageMember:
    """Parse the de-identified file back as the zip will hold it (a file that does not parse fails
    the export) and name it <pseudonym>/<study uid>/<series uid>/<sop uid>.dcm. The header is parsed
    and the Pixel Data element found whole, without loading the pixels (the zip reads them once):
    within the staged file, or, for a header staged alone, right where the header ends, in the
    original at the span the de-identification copied it from."""
    try:
        with staged.open("rb") as stream:
            dataset = pydicom.dcmread(stream, stop_before_pixels=True)
            implicit, little = dataset.original_encoding
            syntax = dataset.file_meta.TransferSyntaxUID
            if span is None:
                if pixel_span(stream, syntax, bool(implicit), bool(little)) is None:
                    pydicom.dcmread(staged).PixelData  # noqa: B018 - a deflated file: read it whole
            elif stream.read(1) or _span_at(source, span, syntax, bool(implicit), bool(little)) != span:
                raise ValueError("the header and the pixel data do not join")
        parts = (str(dataset.StudyInstanceUID), str(dataset.SeriesInstanceUID), str(dataset.SOPInstanceUID))
    except Exception as error:
        raise ExportCheckFailed(f"A de-identified file did not parse back: {type(error).__name__}.") from None
    name = "/".join((pseudonym, *parts)) + ".dcm"
    size = staged.stat().st_size
    pieces = (Piece(staged, 0, size),) + ((Piece(source, span.start, span.end),) if span else ())
    return PackageMember(name, pieces)


def _span_at(source: Path, span: PixelSpan, syntax: str, implicit: bool, little: bool) -> PixelSpan | None:
    """The Pixel Data element found at the span's start in the original."""
    with source.open("rb") as stream:
        stream.seek(span.start)
        return pixel_span(stream, pydicom.uid.UID(syntax), implicit, little)


def _canary_check(written: WrittenZip) -> None:
    """Fail on any identifier found in the zip as written; the report names places only."""
    if written.hits:
        places = sorted(
            {f"{written.member_at(hit.offset)} at byte {hit.offset} of the zip" for hit in written.hits}
        )
        shown = "; ".join(places[:20]) + (f"; and {len(places) - 20} more" if len(places) > 20 else "")
        raise ExportCheckFailed(
            f"The canary scan found {len(written.hits)} identifier(s) of exported participants "
            f"in the package: {shown}. "
            "No package is offered."
        )


def export_pixels_check(dataset: Any) -> object:
    """The inference worker's decoding bounds: an image past them is withheld, never decoded."""
    return pixel_bounds_check(
        dataset, max_frame_bytes=MAX_DECODED_FRAME_BYTES, max_total_bytes=MAX_DECODED_IMAGE_BYTES
    )
