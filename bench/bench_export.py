"""Benchmark of the research export, whole and its de-identification alone, against plain pydicom
read + write of the same files.

    .venv/bin/python bench/bench_export.py [--ct-studies 1] [--mg-studies 3] [--rounds 3] [--ocr 8]
    [--no-whole]   # the de-identification alone (no database)

Writes synthetic studies with the project's cohort generator (inference/synthetic): full-size
low-dose CT slices (512 x 512, 16-bit) and full-size mammograms (2294 x 1914, 16-bit, 4 views a
study). Two comparisons, each against the floor (pydicom reads each file and writes it back out),
with Retain Longitudinal Temporal Information with Modified Dates and no OCR check; the best round
of each is printed as files/s and MB/s (of input), with the ratio; the goals are 0.5x for CT and
0.9x for mammograms.
- `deidentify_file` alone, written to a package folder: it and the floor take turns file by file,
  so both see the same machine.
- The whole export (`export_run`: the job claimed, every file de-identified and parsed back, the
  clinical table, README, the zip with its manifest, the canary scan of every byte of the zip, the
  package published and its members recorded): on a throwaway database (bench_support) the
  studies are stored as the tests store them (one participant with research consent per study, a
  matched study, its instances in the media folder), one export per kind; each round runs the
  export of all of them and the floor over the same stored files, in turns.
The whole export takes the SHA-256 digests on two threads of its own (package_files) while the
floor is one thread: the CPU seconds of both (all threads, best round) are printed too, and their
ratio is the comparison that does not depend on spare cores.
The OCR check is timed on its own afterwards (`pixels_have_text` on the first N files of each
kind): its cost depends on the image, not on the DICOM work.
"""

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pydicom
from bench_export_world import whole_export_compare

from inference.synthetic.cohort import cohort_plan, write_study
from screening.research.deid.deidentify import deidentify_file
from screening.research.deid.ocr_guard import pixels_have_text, tesseract_path
from screening.research.deid.options import DeidOptions
from screening.research.deid.pseudonyms import Pseudonymiser

GOALS = {"CT": 0.5, "MG": 0.9}
OPTIONS = DeidOptions(retain_dates_shifted=True, ocr_check=False)


def synthetic_studies(folder: Path, ct_studies: int, mg_studies: int) -> dict[str, list[list[Path]]]:
    """Full-size synthetic CT slices and mammograms, written once for every round, study by study."""
    studies: dict[str, list[list[Path]]] = {"CT": [], "MG": []}
    for study in cohort_plan("lung", ct_studies, seed=21):
        studies["CT"].append(write_study(study, folder / "ct", size="full"))
    for study in cohort_plan("breast", mg_studies, seed=21):
        studies["MG"].append(write_study(study, folder / "mg", size="full"))
    return studies


def plain_copy(source: Path, target: Path) -> None:
    """The floor: parse the file with pydicom and write it again."""
    pydicom.dcmread(source).save_as(target, enforce_file_format=True)


def timed_round(
    files: list[Path], work: Path, actions: dict[str, Callable[[Path, Path], object]]
) -> dict[str, float]:
    """Seconds each action takes over the files; file by file, the actions take turns."""
    seconds = dict.fromkeys(actions, 0.0)
    for label in actions:
        (work / label).mkdir(parents=True, exist_ok=True)
    for number, source in enumerate(files):
        for label, action in actions.items():
            started = time.perf_counter()
            action(source, work / label / f"{number}.dcm")
            seconds[label] += time.perf_counter() - started
    for label in actions:
        shutil.rmtree(work / label)
    return seconds


def compare(kind: str, files: list[Path], work: Path, rounds: int) -> None:
    pseudonymiser = Pseudonymiser(b"bench-export-key-0123456789abcdef")

    def deidentify(source: Path, target: Path) -> object:
        return deidentify_file(
            source,
            target,
            pseudonymiser=pseudonymiser,
            options=OPTIONS,
            participant_id=source.parent.name,
            participant_pseudonym=pseudonymiser.participant(source.parent.name),
        )

    # File by file in turns, so both see the same machine (other load, page cache, write-back).
    timings = [timed_round(files, work, {"floor": plain_copy, "deid": deidentify}) for _ in range(rounds)]
    floor, deid = min(round_["floor"] for round_ in timings), min(round_["deid"] for round_ in timings)
    print_rates(kind, "read + write (floor)", files, floor, rounds)
    print_rates(kind, "deidentify_file", files, deid, rounds)
    print_ratio(kind, "deidentify_file", floor / deid)


def print_rates(kind: str, label: str, files: list[Path], seconds: float, rounds: int) -> None:
    megabytes = sum(path.stat().st_size for path in files) / 1e6
    print(
        f"{kind} {label:<22} {len(files) / seconds:9.1f} files/s {megabytes / seconds:9.1f} MB/s"
        f"  ({len(files)} files, {megabytes:.0f} MB, best of {rounds})"
    )


def print_ratio(kind: str, label: str, ratio: float) -> None:
    verdict = "meets" if ratio >= GOALS[kind] else "misses"
    print(f"{kind} ratio {label}/floor {ratio:.2f}x ({verdict} the {GOALS[kind]}x goal)")


def ocr_cost(kind: str, files: list[Path]) -> None:
    seconds, flagged = 0.0, 0
    for path in files:
        dataset = pydicom.dcmread(path)
        started = time.perf_counter()
        flagged += pixels_have_text(dataset)
        seconds += time.perf_counter() - started
    per_file = 1000 * seconds / len(files)
    print(
        f"{kind} OCR check               {len(files) / seconds:9.2f} files/s {per_file:9.0f} ms/file"
        f"  ({len(files)} files, {flagged} flagged as text)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ct-studies", type=int, default=1, help="CT studies (160 slices each)")
    parser.add_argument("--mg-studies", type=int, default=3, help="mammography studies (4 views each)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ocr", type=int, default=8, help="files of each kind for the OCR timing")
    parser.add_argument("--no-whole", action="store_true", help="skip the whole export (no database)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_export_") as directory:
        work = Path(directory)
        started = time.perf_counter()
        studies = synthetic_studies(work / "source", args.ct_studies, args.mg_studies)
        files = {
            kind: [path for study in kind_studies for path in study] for kind, kind_studies in studies.items()
        }
        print(
            f"generated {len(files['CT'])} CT slices, {len(files['MG'])} mammograms in "
            f"{time.perf_counter() - started:.1f} s"
        )
        studies = {kind: listed for kind, listed in studies.items() if listed}
        for kind in studies:
            compare(kind, files[kind], work, args.rounds)
        if not args.no_whole:
            compared = whole_export_compare(studies, work, args.rounds, plain_copy)
            for kind, (stored, floor, export) in compared.items():
                print_rates(kind, "read + write (floor)", stored, floor[0], args.rounds)
                print_rates(kind, "whole export", stored, export[0], args.rounds)
                print_ratio(kind, "whole export", floor[0] / export[0])
                print(
                    f"{kind} CPU seconds: floor {floor[1]:.2f}, whole export {export[1]:.2f} "
                    f"(all its threads), ratio {floor[1] / export[1]:.2f}x"
                )
        if args.ocr and tesseract_path() is None:
            print("OCR check: tesseract is not installed (apt-get install tesseract-ocr); not timed")
        elif args.ocr:
            for kind in studies:
                ocr_cost(kind, files[kind][: args.ocr])
    return 0


if __name__ == "__main__":
    sys.exit(main())
