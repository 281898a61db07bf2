"""Benchmark of the results to the PACS: building and sending the AI result SR and heat maps of a
study to Orthanc, beside Orthanc's own ingest of the same objects, in the same run.

    .venv/bin/python bench/bench_outbound.py [--studies 40] [--size small|full] [--rounds 2] [--workers 2]

Synthetic mammography studies (inference/synthetic: four views each; `small` is the demo cohort's
512 x 416, `full` 2294 x 1914) are stored as the tests store them, on a throwaway database
(bench_support), each with an AI result and a 64 x 52 heat map per view, and a participant who
consents to screening and AI. One destination points at a private Orthanc (bench_orthanc, a DICOM
port, Debian's `orthanc`). Timed: `jobs_send` of one outbound job per study, the product's whole
path (each job taken, consent checked, the TID 1500 SR and four Secondary Captures built from the
rows and stored files, C-STORE, the outcome and its audit event recorded), by `--workers` senders
at once (threads here, standing in for Celery workers on the default queue), each sending its
share in batches of OUTBOUND_SEND_BATCH jobs over one association per batch. The baseline: the
same objects written to files and sent by dcmtk's `storescu` to a second fresh Orthanc, as many
storescu processes as there are senders, each sending its share over one association (Orthanc's
own ingest, plus one storescu start per sender). The goal is 20 studies/s; each round sends every
study once, and the best round is printed (imports and the first build are done before timing).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_orthanc import ORTHANC, OrthancPeer, orthanc_pacs
from bench_support import throwaway_database

GOAL_STUDIES_PER_SECOND = 20.0
STORESCU = shutil.which("storescu")


def _world(paths_per_study: list[list[Path]]) -> list[int]:
    """A consenting participant, an imaged episode, the stored study, an AI result with heat maps."""
    import numpy as np
    import pydicom
    from django.utils import timezone

    from screening.campaigns.models import EpisodeStatus
    from screening.core.actors import Actor
    from screening.imaging.models import Study, StudyMatch
    from screening.inference_jobs.models import InferenceImageResult, InferenceJob, InferenceResult, JobStatus
    from screening.patients.consent_services import consent_grant
    from screening.patients.models import ConsentScope
    from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory, programme
    from tests.imaging.fixtures_pages import store_instance

    campaign = CampaignFactory(programme=programme("breast"))
    rng = np.random.default_rng(17)
    result_ids = []
    for paths in paths_per_study:
        patient = PatientFactory()
        for scope in (ConsentScope.SCREENING, ConsentScope.AI_READING):
            consent_grant(actor=Actor.system("bench"), patient=patient, scope=scope, method="written")
        episode = EpisodeFactory(
            campaign=campaign, patient=patient, status=EpisodeStatus.IMAGED, imaged_at=timezone.now()
        )
        first = pydicom.dcmread(paths[0], stop_before_pixels=True)
        study = Study.objects.create(
            study_instance_uid=str(first.StudyInstanceUID),
            patient=patient,
            episode=episode,
            match_status=StudyMatch.MATCHED,
            first_source="upload",
            modality="MG",
            accession_number=str(first.AccessionNumber),
            dicom_patient_id=str(first.PatientID),
            dicom_patient_name=str(first.PatientName),
            dicom_sex="F",
        )
        job = InferenceJob.objects.create(
            study=study,
            model_name="breast-demo",
            model_version="2.0.0",
            queued_at=timezone.now(),
            status=JobStatus.SUCCEEDED,
        )
        result = InferenceResult.objects.create(
            job=job,
            study=study,
            model_name="breast-demo",
            model_version="2.0.0",
            programme="breast",
            study_score=0.7,
            band="high",
            high_threshold=0.5,
            low_threshold=0.1,
            side_scores={"R": 0.1, "L": 0.7},
        )
        series = None
        for path in paths:
            dataset = pydicom.dcmread(path)
            instance = store_instance(
                dataset,
                study=study,
                series=series,
                modality="MG",
                laterality=str(dataset.get("ImageLaterality", "")),
                view_position=str(dataset.get("ViewPosition", "")),
                instance_number=int(dataset.InstanceNumber),
            )
            series = instance.series
            heat = (rng.random((64, 52)) * 255).astype(np.uint8)
            InferenceImageResult.objects.create(
                result=result,
                instance=instance,
                score=0.5,
                side=instance.laterality,
                view=instance.view_position,
                heatmap_levels=heat.tobytes(),
                heatmap_rows=64,
                heatmap_cols=52,
            )
        result_ids.append((study.pk, result.pk))
    return result_ids  # type: ignore[return-value]


def _shares(items: list, workers: int) -> list[list]:
    """`items` cut into `workers` contiguous shares (as a queue hands batches to workers)."""
    size = -(-len(items) // workers)
    return [items[start : start + size] for start in range(0, len(items), size)]


def _send_share(job_ids: list[int]) -> list[str | None]:
    """One sender: its share of the jobs in batches, as `outbound.jobs_send` tasks would send them."""
    from django.conf import settings
    from django.db import connections

    from screening.outbound.job_runner import jobs_send

    try:
        batch = settings.OUTBOUND_SEND_BATCH
        return [
            s
            for start in range(0, len(job_ids), batch)
            for s in jobs_send(job_ids=job_ids[start : start + batch])
        ]
    finally:
        connections.close_all()


def _product_round(pacs: OrthancPeer, sources: list, round_: int, workers: int) -> tuple[float, list[int]]:
    """Queue one job per study for a fresh destination and time their sends."""
    from screening.outbound.job_services import jobs_queue
    from screening.outbound.models import OutboundDestination, OutboundEvent, OutboundStatus

    OutboundDestination.objects.update(active=False)
    OutboundDestination.objects.create(
        name=f"Bench PACS {round_}", ae_title=pacs.ae_title, host="127.0.0.1", port=pacs.dicom_port
    )
    jobs = jobs_queue(event=OutboundEvent.AI_RESULT_STORED, sources=sources)
    shares = _shares([job.pk for job in jobs], workers)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = [status for share in pool.map(_send_share, shares) for status in share]
    seconds = time.perf_counter() - started
    assert outcomes == [OutboundStatus.SENT] * len(jobs), outcomes
    return seconds, [job.pk for job in jobs]


def _written_objects(job_ids: list[int], folder: Path) -> list[list[Path]]:
    """The objects of each job, as files (the baseline's input)."""
    from screening.outbound.models import OutboundJob
    from screening.outbound.outbound_objects import job_objects

    per_study = []
    for job in OutboundJob.objects.filter(pk__in=job_ids).select_related("destination", "study"):
        paths = []
        for dataset in job_objects(job):
            path = folder / f"{dataset.SOPInstanceUID}.dcm"
            dataset.save_as(path, enforce_file_format=True)
            paths.append(path)
        per_study.append(paths)
    return per_study


def _storescu_seconds(peer: OrthancPeer, per_study: list[list[Path]], workers: int) -> float:
    """Orthanc's ingest of the same files: one storescu per sender, its share over one association."""
    assert STORESCU, "storescu is not installed (Debian package dcmtk)"
    commands = [
        [STORESCU, "-R", "-aec", peer.ae_title, "127.0.0.1", str(peer.dicom_port)]
        + [str(path) for paths in share for path in paths]
        for share in _shares(per_study, workers)
    ]
    started = time.perf_counter()
    running = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for command in commands
    ]
    for process in running:
        _, errors = process.communicate()
        assert process.returncode == 0, errors.decode(errors="replace")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--studies", type=int, default=40)
    parser.add_argument("--size", choices=["small", "full"], default="small")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="senders at once (and storescu processes)")
    args = parser.parse_args()
    assert ORTHANC, "Orthanc is not installed (Debian package orthanc)"
    work = Path(tempfile.mkdtemp(prefix="bench-outbound-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "screening.config.settings.base")
    os.environ["MEDIA_ROOT"] = str(work / "media")
    from inference.synthetic.cohort import cohort_plan, write_study

    studies = [
        write_study(s, work / "synthetic", size=args.size)
        for s in cohort_plan("breast", args.studies, seed=5)
    ]
    description, teardown = throwaway_database("bench-outbound-")
    peers: list[OrthancPeer] = []
    try:
        from django.conf import settings

        from screening.outbound import job_services

        job_services.jobs_dispatch_on_commit = lambda *, job_ids: None  # sent here, timed
        sources = _world(studies)
        from screening.outbound.ai_result_sr import ai_result_sr
        from screening.outbound.heatmap_capture import heatmap_capture
        from screening.outbound.report_selectors import ai_result_with_images

        # Once a worker: imports, code tables, highdicom's tables of the standard (1.6 s).
        result, images = ai_result_with_images(result_id=sources[0][1])  # type: ignore[misc]
        ai_result_sr(result, images)
        heatmap_capture(result, images[0], number=1)
        product, baseline = [], []
        for round_ in range(args.rounds):  # a fresh Orthanc for each side of each round
            pacs, peer = orthanc_pacs(), orthanc_pacs()
            peers += [pacs, peer]
            seconds, job_ids = _product_round(pacs, sources, round_, args.workers)
            product.append(seconds)
            objects_folder = work / f"objects-{round_}"
            objects_folder.mkdir()
            per_study = _written_objects(job_ids, objects_folder)
            baseline.append(_storescu_seconds(peer, per_study, args.workers))
            stored = pacs.instance_count()
            assert stored == peer.instance_count() == sum(map(len, per_study)), (
                stored,
                peer.instance_count(),
            )
        objects = sum(map(len, per_study))
        print(f"database: {description}; {args.studies} MG studies ({args.size}), {objects} objects a round")
        batch = settings.OUTBOUND_SEND_BATCH
        print(f"{args.workers} senders at once; the product's batches: {batch} jobs an association")
        for label, seconds in (
            ("product: build + C-STORE (jobs_send)", min(product)),
            ("Orthanc ingest (storescu, same objects)", min(baseline)),
        ):
            rate = f"{args.studies / seconds:8.1f} studies/s  {objects / seconds:8.1f} objects/s"
            print(f"{label:<44} {rate}")
        best, floor = min(product), min(baseline)
        print(f"{'goal':<44} {GOAL_STUDIES_PER_SECOND:8.1f} studies/s   ratio to Orthanc {floor / best:.2f}x")
    finally:
        for peer in peers:
            peer.stop()
        teardown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
