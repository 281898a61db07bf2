"""The whole research export over stored studies, for bench_export.py: a throwaway database with
one participant (research consent granted) per synthetic study, its instances stored as the tests
store them, and, round by round, the export of each kind beside the floor over the same files."""

import os
import shutil
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench_support import bench_user, throwaway_database

PROGRAMMES = {"CT": "lung", "MG": "breast"}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _participant_name(number: int) -> str:
    """Letters only, and no word any package text holds (the scan ignores case)."""
    return "Quixley" + LETTERS[number // 26 % 26] + LETTERS[number % 26]


def _stored_study(campaign: Any, paths: list[Path], kind: str, number: int) -> list[Path]:
    """A participant with research consent, an imaged episode, and its study matched and stored."""
    import pydicom
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from screening.campaigns.models import EpisodeStatus
    from screening.imaging.models import Study, StudyMatch
    from tests.factories import EpisodeFactory, PatientFactory
    from tests.imaging.fixtures_pages import store_instance
    from tests.research.conftest import GRANTED, consent_as

    patient = PatientFactory(family_name=_participant_name(number), given_name="Ottoline")
    consent_as(patient, GRANTED)
    imaged_at = timezone.now() - timedelta(days=10)
    episode = EpisodeFactory(
        campaign=campaign, patient=patient, status=EpisodeStatus.IMAGED, imaged_at=imaged_at
    )
    first = pydicom.dcmread(paths[0], stop_before_pixels=True)
    study = Study.objects.create(
        study_instance_uid=str(first.StudyInstanceUID),
        patient=patient,
        episode=episode,
        match_status=StudyMatch.MATCHED,
        first_source="upload",
        modality=kind,
        accession_number=f"ACC{episode.pk:06d}",
        study_date=imaged_at.date(),
    )
    stored, series = [], None
    for path in paths:
        dataset = pydicom.dcmread(path)
        instance = store_instance(
            dataset,
            study=study,
            series=series,
            modality=kind,
            laterality=str(dataset.get("ImageLaterality", "")),
            view_position=str(dataset.get("ViewPosition", "")),
            instance_number=int(dataset.InstanceNumber),
        )
        series = instance.series
        stored.append(Path(default_storage.path(str(instance.file.name))))
    return stored


def _export_seconds(actor: Any, campaign: Any, kind: str) -> tuple[float, float]:
    """Request the export of the campaign's studies of the kind and run it here, timed: the
    seconds it took and the CPU seconds it used (all its threads)."""
    from django.conf import settings

    from screening.research.export_runner import export_run
    from screening.research.export_services import ExportRequest, export_request
    from screening.research.models import ExportStatus

    request = ExportRequest(
        programme=campaign.programme,
        campaign=campaign,
        modality=kind,
        purpose="Benchmark of the export",
        approval_reference="BENCH 1",
        retain_dates_shifted=True,
        ocr_check=False,
    )
    job = export_request(actor=actor, request=request)
    started, cpu = time.perf_counter(), time.process_time()
    export_run(job_id=job.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    job.refresh_from_db()
    if job.status != ExportStatus.SUCCEEDED:
        raise SystemExit(f"the {kind} export failed: {job.error}")
    (Path(settings.RESEARCH_EXPORT_ROOT) / job.package_name).unlink()
    return seconds, cpu


def _floor_seconds(
    files: list[Path], work: Path, plain_copy: Callable[[Path, Path], None]
) -> tuple[float, float]:
    folder = work / "floor"
    folder.mkdir(parents=True, exist_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    for number, path in enumerate(files):
        plain_copy(path, folder / f"{number}.dcm")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    shutil.rmtree(folder)
    return seconds, cpu


def _best(timings: list[tuple[float, float]]) -> tuple[float, float]:
    return min(seconds for seconds, _ in timings), min(cpu for _, cpu in timings)


def whole_export_compare(
    studies: dict[str, list[list[Path]]], work: Path, rounds: int, plain_copy: Callable[[Path, Path], None]
) -> dict[str, tuple[list[Path], tuple[float, float], tuple[float, float]]]:
    """Per kind: the stored files, and the best (seconds, CPU seconds) of the floor and of the
    whole export (each the least over the rounds)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "screening.config.settings.base")
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["RESEARCH_EXPORT_ROOT"] = str(work / "exports")
    os.environ["RESEARCH_PSEUDONYM_KEY"] = "bench-export-key-0123456789abcdef"
    description, teardown = throwaway_database("bench-export-")
    print(f"whole export on {description}")
    try:
        from screening.research import export_services
        from tests.factories import CampaignFactory, programme

        export_services.export_dispatch_on_commit = lambda *, job_id: None  # run here, timed
        actor = bench_user("bench_coordinator", "coordinator")
        results = {}
        for kind, kind_studies in studies.items():
            campaign = CampaignFactory(programme=programme(PROGRAMMES[kind]))
            files = [
                path
                for number, paths in enumerate(kind_studies)
                for path in _stored_study(campaign, paths, kind, number)
            ]
            floors, exports = [], []
            for round_ in range(rounds):  # in turns, the order swapped every round
                if round_ % 2:
                    exports.append(_export_seconds(actor, campaign, kind))
                floors.append(_floor_seconds(files, work, plain_copy))
                if not round_ % 2:
                    exports.append(_export_seconds(actor, campaign, kind))
            results[kind] = (files, _best(floors), _best(exports))
        return results
    finally:
        teardown()
