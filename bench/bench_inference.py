"""Benchmark of AI inference: the model, decoding, and the job path end to end, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_infer .venv/bin/python bench/bench_inference.py
      [--mg 32] [--ct 12] [--rounds 3] [--concurrency N] [--redis redis://127.0.0.1:6379/7] [--skip-jobs]
      [--job-path-cpu] [--background-load N] [--prefetch N]

For each programme (MG: 4 views 512x416; CT: 64 slices 256x256; synthetic studies written as
DICOM files), measured in one run on the same studies with the demo models in models/:

(a) model: the loaded network's forward on preloaded inputs, one study at a time in the batches
    the predictor uses (`Predictor._forward`: logits and class activation maps come out of the
    same forward pass, so the heat map's evidence is included; mapping the CAMs back onto the
    original image is not);
(b) decode + preprocess: `Predictor._prepare` on the study's files (pydicom decoding in the
    predictor's thread pool, then orientation, resizing and windowing), one study at a time;
(c) the job path: the studies as matched rows with AI consent on a throwaway PostgreSQL database,
    jobs created and dispatched by the services, one real Celery worker (`-Q inference,default`)
    on a real Redis predicting, encoding heat maps and storing results; timed from the first
    dispatch to the last stored result (the jobs' own timestamps).

On the CPU both stages share the cores, so the ceiling is 1 / (1/a + 1/b) and the goal is
(c) >= 0.8 x ceiling; on a GPU, decoding runs in parallel workers while the GPU computes, so the
ceiling is min(a, b) (goal 0.8 x). (a) and (b) run laid out as the worker runs them: in as many
processes as the worker has (default: one per core), each with its share of the cores' torch
threads and of the studies. Each programme runs `--rounds` rounds of (a), (b) then (c), so that
every ratio compares figures taken moments apart on a machine shared with other work; the worker's
processes are warmed up (models loaded) before the first round.

The script runs in a session of its own (see `own_session`), with its meters and its worker.
`--background-load N` starts N busy processes (a Python loop each, in a session of its own, as
another program's would be) before anything is measured and stops them at the end, so that the
ceiling and (c) are both measured beside the same load: the question is whether the job path keeps
its share of what is left. A programme given 0 studies (`--ct 0`) is skipped. `--prefetch N` sets
the worker's `INFERENCE_PREFETCH_STUDIES` (studies decoded ahead of the one being scored).

`--torch-threads N` gives each worker process (and each meter) N torch threads instead of
cores / processes.

`--job-path-cpu` measures none of that: only the job path's own CPU per study (enqueue and
dispatch, start report, the outcomes' JSON, storing them) with synthetic predictions, in this
process and its PostgreSQL backend, which a busy machine disturbs far less than (c)'s wall clock.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "screening.config.settings.base"

from bench_support import throwaway_database

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PROGRAMMES = {"breast": ("MG", "breast-demo"), "lung": ("CT", "lung-demo")}


@dataclass
class Rates:
    studies: int
    images: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.studies / self.seconds

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds


def synthetic_studies(programme: str, count: int, media: Path, seed: int) -> list[list[Path]]:
    """`count` synthetic studies written as DICOM files under media/dicom/bench/ (small size)."""
    from inference.synthetic.cohort import cohort_plan, write_study

    plan = cohort_plan(programme, count, seed=seed, prevalence=0.5)
    return [write_study(study, media / "dicom" / "bench" / programme) for study in plan]


class StageMeter:
    """(a) the forward on preloaded inputs and (b) decoding + preprocessing, as the predictor runs them."""

    def __init__(self, programme: str, studies: list[list[Path]], device: str) -> None:
        from inference.predictor import Predictor
        from inference.registry import model_card_get, model_load

        card = model_card_get(ROOT / "models", PROGRAMMES[programme][1], None)
        self.predictor = Predictor(model_load(card, device=device))
        self.device = device
        self.files = [[(str(index), path) for index, path in enumerate(study)] for study in studies]
        self.images = sum(len(study) for study in studies)
        self.predictor._forward(self.predictor._prepare(self.files[0]).inputs)  # warm: imports, pools

    def measure(self) -> tuple[Rates, Rates]:
        """One pass over the studies: (model, decode) rates."""
        import torch

        predictor = self.predictor
        started = time.perf_counter()
        prepared = [predictor._prepare(study) for study in self.files]
        decode = Rates(len(self.files), self.images, time.perf_counter() - started)
        predictor._forward(prepared[0].inputs)  # warm: allocator, cudnn autotuning
        if self.device.startswith("cuda"):
            torch.cuda.synchronize()
        started = time.perf_counter()
        for study in prepared:
            predictor._forward(study.inputs)  # returns numpy, so the device has finished
        model = Rates(len(self.files), self.images, time.perf_counter() - started)
        return model, decode

    def close(self) -> None:
        self.predictor.close()


def _meter_process(
    connection: Any, programme: str, studies: list[list[Path]], device: str, threads: int
) -> None:
    """A measuring process: its share of the studies, torch threads as a worker process has them."""
    import torch

    torch.set_num_threads(threads)
    meter = StageMeter(programme, studies, device)
    connection.send("ready")
    while connection.recv() == "measure":
        model, decode = meter.measure()
        connection.send((model.seconds, decode.seconds))
    meter.close()


class ParallelStageMeter:
    """(a) and (b) laid out as the worker runs them: `processes` processes with cores / processes
    torch threads each, every one measuring its share of the studies at the same time."""

    def __init__(
        self, programme: str, studies: list[list[Path]], device: str, processes: int, threads: int
    ) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.studies, self.images = len(studies), sum(len(study) for study in studies)
        self.connections, self.processes = [], []
        for index in range(processes):
            parent, child = context.Pipe()
            share = studies[index::processes]
            process = context.Process(target=_meter_process, args=(child, programme, share, device, threads))
            process.start()
            self.connections.append(parent)
            self.processes.append(process)
        for connection in self.connections:
            assert connection.recv() == "ready"

    def measure(self) -> tuple[Rates, Rates]:
        for connection in self.connections:
            connection.send("measure")
        seconds = [connection.recv() for connection in self.connections]
        model = Rates(self.studies, self.images, max(model for model, _ in seconds))
        decode = Rates(self.studies, self.images, max(decode for _, decode in seconds))
        return model, decode

    def close(self) -> None:
        for connection in self.connections:
            connection.send("stop")
        for process in self.processes:
            process.join(30)


def ceiling_of(model: Rates, decode: Rates, on_gpu: bool) -> float:
    """Studies/s the stages allow: sharing the CPU's cores, or overlapped (GPU computes, CPUs decode)."""
    if on_gpu:
        return min(model.per_second, decode.per_second)
    return 1 / (1 / model.per_second + 1 / decode.per_second)


def ai_ready_studies(programme: str, studies: list[list[Path]], media: Path) -> list[int]:
    """Matched study rows with AI consent for the files (a campaign of the programme with AI on)."""
    from pydicom.uid import generate_uid

    from screening.imaging.models import Instance, IntakeSource
    from tests.inference_jobs.job_fixtures import ai_campaign, imaged_episode, matched_study

    campaign = ai_campaign(programme)
    modality = PROGRAMMES[programme][0]
    study_ids = []
    for files in studies:
        episode = imaged_episode(campaign)
        study, series = matched_study(episode, modality)
        instances = []
        for number, path in enumerate(files, start=1):
            view = path.stem.split("_", 1)[1] if modality == "MG" else ""  # "1_R-CC.dcm"
            instances.append(
                Instance(
                    series=series,
                    sop_instance_uid=generate_uid(),
                    sop_class_uid="1.2.840.10008.5.1.4.1.1.1.2"
                    if modality == "MG"
                    else "1.2.840.10008.5.1.4.1.1.2",
                    transfer_syntax_uid="1.2.840.10008.1.2.1",
                    instance_number=number,
                    laterality=view[:1],
                    view_position=view[2:],
                    rows=1,
                    columns=1,
                    slice_location=float(number) * 2.5 if modality == "CT" else None,
                    file=str(path.relative_to(media)),
                    size_bytes=path.stat().st_size,
                    sha256="0" * 64,
                    source=IntakeSource.UPLOAD,
                )
            )
        Instance.objects.bulk_create(instances)
        study_ids.append(study.pk)
    return study_ids


def jobs_run(study_ids: list[int], timeout: float) -> tuple[float, float, list[Any]]:
    """Create and dispatch a job per study, wait until every one has finished.

    Returns (seconds, seconds spent creating and dispatching the jobs here, jobs).

    Seconds run from the first job's dispatch to the last one's finish, by the jobs' own timestamps.
    """
    from django.db.models import Max, Min

    from screening.core.actors import Actor
    from screening.inference_jobs.job_enqueue import jobs_enqueue_for_studies
    from screening.inference_jobs.models import InferenceJob, JobStatus

    started = time.perf_counter()
    created = jobs_enqueue_for_studies(actor=Actor.system("bench-inference"), study_ids=study_ids)
    enqueue_seconds = time.perf_counter() - started
    assert len(created) == len(study_ids), "some studies were not ready"
    ids = [job.pk for job in created]
    deadline = time.monotonic() + timeout
    while InferenceJob.objects.filter(pk__in=ids).active().exists():
        if time.monotonic() > deadline:
            states = list(InferenceJob.objects.filter(pk__in=ids).values_list("status", "attempts", "error"))
            raise RuntimeError(f"jobs still active after {timeout:.0f} s: {states[:5]}")
        time.sleep(0.5)  # the figure comes from the jobs' timestamps: polling often only costs CPU
    jobs = list(InferenceJob.objects.filter(pk__in=ids))
    failed = [(job.pk, job.status, job.error) for job in jobs if job.status != JobStatus.SUCCEEDED]
    assert not failed, f"jobs did not succeed: {failed[:3]}"
    span = InferenceJob.objects.filter(pk__in=ids).aggregate(
        first=Min("dispatched_at"), last=Max("finished_at")
    )
    return (span["last"] - span["first"]).total_seconds(), enqueue_seconds, jobs


def backend_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of a local process, e.g. this connection's PostgreSQL backend."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def smooth_heatmap_b64(rng: Any, shape: tuple[int, int]) -> str:
    """A heat map shaped as the worker sends it (8-bit levels, base64): a 4 x 4 grid stretched
    bilinearly. Levels are stored uncompressed, so their content does not change what storing costs."""
    import base64

    import numpy as np

    grid = rng.random((4, 4))
    across = [np.interp(np.linspace(0, 3, shape[1]), np.arange(4), row) for row in grid]
    down = [np.interp(np.linspace(0, 3, shape[0]), np.arange(4), column) for column in np.array(across).T]
    return base64.b64encode((np.array(down).T * 255).astype(np.uint8).tobytes()).decode("ascii")


def job_path_cpu(programme: str, count: int, rounds: int) -> None:
    """CPU per study of the job path without a worker or a model: enqueue and dispatch (messages
    kept, not sent), the start report, the outcomes report's JSON round trip, and storing it, with
    synthetic predictions (one per image, heat maps 64 px as the worker sends them). Prints CPU ms
    per study in this process and in its PostgreSQL backend, and queries per message (a COPY is not
    counted); the first round only warms up."""
    import numpy as np
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from kombu.serialization import dumps, loads

    from screening.core.actors import Actor
    from screening.inference_jobs import job_dispatch
    from screening.inference_jobs.job_enqueue import jobs_enqueue_for_studies
    from screening.inference_jobs.job_reports import jobs_mark_started, jobs_outcomes_store
    from tests.inference_jobs.job_fixtures import ai_campaign, ct_study, imaged_episode, mg_study

    messages: list[dict[str, Any]] = []
    job_dispatch._send = lambda message, countdown: messages.append(message)  # type: ignore[assignment]
    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        backend = cursor.fetchone()[0]
    rng, campaign, totals = np.random.default_rng(0), ai_campaign(programme), dict[str, list[float]]()
    actor = Actor.system("bench-inference")

    def step(name: str, action: Any) -> Any:
        cpu, database = time.process_time(), backend_cpu_seconds(backend)
        with CaptureQueriesContext(connection) as queries:
            result = action()
        entry = totals.setdefault(name, [0.0, 0.0, 0.0])
        entry[0] += time.process_time() - cpu
        entry[1] += backend_cpu_seconds(backend) - database
        entry[2] += len(queries)
        return result

    def prediction(message: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
        ct = programme == "lung"
        images = [
            {
                "reference": reference,
                "score": float(rng.random()),
                "side": "" if ct else "R",
                "view": "" if ct else "CC",
                "slice_index": index if ct else 0,
                "heatmap": smooth_heatmap_b64(rng, (64, 64) if ct else (64, 52)),
                "heatmap_shape": [64, 64] if ct else [64, 52],
            }
            for index, (reference, _path) in enumerate(job["images"])
        ]
        return {
            "model_name": message["model_name"],
            "model_version": message["model_version"],
            "programme": programme,
            "study_score": float(rng.random()),
            "side_scores": {} if ct else {"R": 0.1, "L": 0.2},
            "device": "cpu",
            "timings_ms": {"load": 1.0, "preprocess": 2.0, "inference": 3.0, "total": 6.0},
            "images": images,
        }

    for round_number in range(rounds + 1):
        if round_number == 1:
            totals.clear()
        messages.clear()
        episodes = [imaged_episode(campaign) for _ in range(count)]
        if programme == "lung":
            studies = [ct_study(episode, [2.5 * z for z in range(64)]) for episode in episodes]
        else:
            studies = [mg_study(episode) for episode in episodes]
        study_ids = [study.pk for study in studies]
        step("enqueue + dispatch", lambda ids=study_ids: jobs_enqueue_for_studies(actor=actor, study_ids=ids))
        for message in messages:
            attempts = [(job["job_id"], job["attempt"]) for job in message["jobs"]]
            step(
                "start report", lambda a=attempts: jobs_mark_started(attempts=a, worker="bench", device="cpu")
            )
        for message in messages:
            outcomes = [
                {"job_id": job["job_id"], "attempt": job["attempt"], "prediction": prediction(message, job)}
                for job in message["jobs"]
            ]
            encoded = step("outcomes JSON out", lambda o=outcomes: dumps({"outcomes": o}, serializer="json"))
            decoded = step("outcomes JSON in", lambda e=encoded: loads(e[2], e[0], e[1])["outcomes"])
            step("store outcomes", lambda o=decoded: jobs_outcomes_store(outcomes=o))
    studies_measured, message_count = count * rounds, len(messages) * rounds
    modality = PROGRAMMES[programme][0]
    print(f" {modality}: {count} studies x {rounds} rounds, {len(messages)} messages a round")
    print(f"  {'step':<22} {'CPU ms/study':>13} {'PostgreSQL':>11} {'queries/message':>16}")
    for name, (cpu, database, queries) in totals.items():
        print(
            f"  {name:<22} {1000 * cpu / studies_measured:13.2f} {1000 * database / studies_measured:11.2f}"
            f" {queries / message_count:16.1f}"
        )
    cpu, database = (sum(entry[index] for entry in totals.values()) for index in (0, 1))
    print(f"  {'total':<22} {1000 * cpu / studies_measured:13.2f} {1000 * database / studies_measured:11.2f}")


def background_load_start(processes: int) -> list[subprocess.Popen[bytes]]:
    """`processes` busy loops, each in its own session: the load another program puts on a core."""
    return [
        subprocess.Popen([PYTHON, "-c", "while True: pass"], start_new_session=True) for _ in range(processes)
    ]


def background_load_stop(loads: list[subprocess.Popen[bytes]]) -> None:
    for load in loads:
        load.kill()
        load.wait(10)


def load_average() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def worker_start(
    env: dict[str, str], concurrency: int, log: Path, profile: str = ""
) -> subprocess.Popen[bytes]:
    """`celery worker -Q inference,default`; with profile, one solo process under cProfile."""
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    pool = ["-P", "solo"] if profile else ["-c", str(concurrency)]
    command = [
        PYTHON,
        *profiler,
        "-m",
        "celery",
        "-A",
        "screening.config.celery",
        "worker",
        "-Q",
        "inference,default",
        *pool,
        "--prefetch-multiplier",
        "1",
        "-n",
        "bench-inference@%h",
        "-l",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, process_group=0
        )
    return process


def worker_stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(10)


def timings_summary(jobs: list[Any]) -> str:
    """Median per-study timings the worker reported (ms)."""
    keys = ("load", "preprocess", "inference", "total")
    parts = []
    for key in keys:
        values = [float(job.timings_ms.get(key, 0.0)) for job in jobs if job.timings_ms]
        if values:
            parts.append(f"{key} {statistics.median(values):.0f}")
    return "median ms per study in the worker: " + ", ".join(parts)


def line(label: str, rates: Rates, note: str = "") -> None:
    print(
        f"  {label:<34} {rates.per_second:7.2f} studies/s {rates.images_per_second:8.1f} images/s"
        f"  ({rates.studies} in {rates.seconds:6.2f} s){note}"
    )


def own_session() -> None:
    """Run this script in a session of its own (re-executed under setsid when it is not).

    Linux's scheduler shares a loaded machine between sessions (autogroup) before processes: the
    meters of (a) and (b) and the worker of (c) live in this session, so that both see the same
    share, and nothing else started from the same shell (tests, a second benchmark) takes theirs.
    """
    if os.getsid(0) != os.getpid() and shutil.which("setsid"):
        os.execvp("setsid", ["setsid", "--wait", PYTHON, *sys.argv])


def main() -> None:
    own_session()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mg", type=int, default=32, help="MG studies (4 views each)")
    parser.add_argument("--ct", type=int, default=12, help="CT studies (64 slices each)")
    parser.add_argument("--concurrency", type=int, default=0, help="worker processes (default: see below)")
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/7", help="broker (this database is flushed)"
    )
    parser.add_argument(
        "--profile-worker", default="", help="cProfile output of a solo worker (for profiling)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (a), (b), (c) per programme")
    parser.add_argument("--skip-jobs", action="store_true", help="only (a) and (b): no database, no worker")
    parser.add_argument(
        "--job-path-cpu",
        action="store_true",
        help="only the job path's own CPU per study (no worker, no model; see job_path_cpu)",
    )
    parser.add_argument(
        "--background-load", type=int, default=0, help="busy processes beside the whole run (see above)"
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=0,
        help="torch threads per worker process (default: cores / processes)",
    )
    parser.add_argument(
        "--prefetch", type=int, default=None, help="the worker's INFERENCE_PREFETCH_STUDIES (default: its)"
    )
    args = parser.parse_args()
    loads = background_load_start(args.background_load)
    try:
        run(args)
    finally:
        background_load_stop(loads)


def run(args: argparse.Namespace) -> None:
    if args.background_load:
        print(f"Background load: {args.background_load} busy process(es) for the whole run")
    if args.job_path_cpu:
        _database, teardown = throwaway_database("bench-inference-")
        try:
            for programme, count in (("breast", args.mg), ("lung", args.ct)):
                job_path_cpu(programme, count, args.rounds)
        finally:
            from django.db import connection

            connection.close()
            teardown()
        return

    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    on_gpu = device == "cuda"
    # A worker process per core, one torch thread each on a CPU (processes sharing cores by threads
    # wait on each other's barriers when the machine is busy); on a GPU they decode in parallel
    # while the device computes their batches in turn.
    concurrency = args.concurrency or os.cpu_count() or 1
    name = torch.cuda.get_device_name(0) if on_gpu else f"{os.cpu_count()} CPUs"
    print(f"Device: {device} ({name}); torch {torch.__version__}, {torch.get_num_threads()} threads")

    media = Path(tempfile.mkdtemp(prefix="bench-inference-media-"))
    os.environ["MEDIA_ROOT"] = str(media)
    counts = {programme: count for programme, count in (("breast", args.mg), ("lung", args.ct)) if count}
    studies = {
        programme: synthetic_studies(programme, count, media, seed=7) for programme, count in counts.items()
    }
    warm = {programme: synthetic_studies(programme, 2 * concurrency, media, seed=8) for programme in counts}

    formula = "min(a, b)" if on_gpu else "1/(1/a + 1/b)"
    # (a) and (b) laid out as the worker runs: as many processes, each with its share of the cores.
    threads = args.torch_threads or max(1, (os.cpu_count() or 1) // concurrency)
    meters = {
        programme: ParallelStageMeter(programme, studies[programme], device, concurrency, threads)
        for programme in counts
    }
    if args.skip_jobs:
        for programme, meter in meters.items():
            for _ in range(args.rounds):
                model, decode = meter.measure()
                print(f" {PROGRAMMES[programme][0]}:")
                line("(a) model forward", model)
                line("(b) decode + preprocess", decode)
                print(f"  {'ceiling ' + formula:<34} {ceiling_of(model, decode, on_gpu):7.2f} studies/s")
            meter.close()
        shutil.rmtree(media, ignore_errors=True)
        return

    database, teardown = throwaway_database("bench-inference-")
    import redis
    from django.db import connection

    redis.Redis.from_url(args.redis).flushdb()
    settings_dict = connection.settings_dict
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "INFERENCE_", "DATABASE_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "screening.config.settings.base",
            "CELERY_BROKER_URL": args.redis,
            "MEDIA_ROOT": str(media),
            "INFERENCE_MODEL_ROOT": str(ROOT / "models"),
            "PYTHONPATH": str(ROOT),
            # Each worker process gets its share of the cores (GPU: decoding is the CPU's work).
            "INFERENCE_TORCH_THREADS": str(threads),
        }
    )
    if args.prefetch is not None:
        env["INFERENCE_PREFETCH_STUDIES"] = str(args.prefetch)
    if not settings_dict["ENGINE"].endswith("postgresql"):
        teardown()
        sys.exit("(c) needs PostgreSQL shared with the worker: set DATABASE_URL=postgres://...")
    env["DATABASE_URL"] = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
    )
    from django.test import override_settings

    from tests.inference_jobs.worker_harness import real_broker

    worker = None
    try:
        print(
            f"\n(c) job path: {database}; Redis {args.redis}; 1 worker, "
            f"concurrency {concurrency}, torch threads {env['INFERENCE_TORCH_THREADS']} each, "
            f"prefetch {env.get('INFERENCE_PREFETCH_STUDIES', 'default')}"
        )
        with real_broker(args.redis, {"visibility_timeout": 3600}):
            worker = worker_start(env, concurrency, media / "worker.log", args.profile_worker)
            for programme in counts:
                modality = PROGRAMMES[programme][0]
                # Models loaded in every worker process: one study per message, so all processes get some.
                with override_settings(INFERENCE_JOBS_PER_MESSAGE=1):
                    jobs_run(ai_ready_studies(programme, warm[programme], media), timeout=180)
                ratios = []
                for round_number in range(1, args.rounds + 1):
                    # (a) and (b) right before (c), in turn, so that all three see the same machine.
                    model, decode = meters[programme].measure()
                    ceiling = ceiling_of(model, decode, on_gpu)
                    study_ids = ai_ready_studies(programme, studies[programme], media)
                    seconds, enqueue_seconds, jobs = jobs_run(study_ids, timeout=1800)
                    rates = Rates(len(study_ids), model.images, seconds)
                    ratios.append(rates.per_second / ceiling)
                    print(f" {modality}, round {round_number} ({load_average()}):")
                    line("(a) model forward", model)
                    line("(b) decode + preprocess", decode)
                    print(f"  {'ceiling ' + formula:<34} {ceiling:7.2f} studies/s")
                    line("(c) end to end (job path)", rates, f"; {ratios[-1]:.2f}x the ceiling")
                    print(
                        f"  {timings_summary(jobs)}; jobs created and dispatched in {enqueue_seconds:.2f} s"
                    )
                meters[programme].close()
                ratio = statistics.median(ratios)
                goal = "met" if ratio >= 0.8 else "not met"
                rounds = ", ".join(f"{value:.2f}" for value in ratios)
                print(
                    f" {modality}: (c) / ceiling, median of rounds {ratio:.2f}x ({rounds}); goal 0.8x {goal}"
                )
    except Exception:
        log = media / "worker.log"
        print(log.read_text()[-3000:] if log.exists() else "(no worker log)")
        raise
    finally:
        if worker is not None:
            worker_stop(worker)
        connection.close()
        teardown()
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
