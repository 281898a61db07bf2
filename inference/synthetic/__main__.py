"""Command line: write a synthetic cohort's DICOM files and ground truth, without any database.

python -m inference.synthetic --programme breast --patients 20 --seed 1 --prevalence 0.3 --out var/synthetic
"""

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence

from inference.synthetic.cohort import PROGRAMMES, cohort_plan, write_ground_truth, write_study
from inference.synthetic.dicom_writer import TRANSFER_SYNTAXES


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m inference.synthetic", description=__doc__)
    parser.add_argument("--programme", choices=PROGRAMMES, required=True)
    parser.add_argument("--patients", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prevalence", type=float, default=0.2, help="share of studies with a lesion")
    parser.add_argument("--out", required=True, help="folder for the study folders and ground_truth.json")
    parser.add_argument("--full-size", action="store_true", help="full detector size (benchmarks)")
    parser.add_argument("--transfer-syntax", choices=sorted(TRANSFER_SYNTAXES), default="explicit")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Plan the cohort, write every study and the ground truth; print a one-line summary."""
    args = _arguments(argv)
    size = "full" if args.full_size else "small"
    started = time.perf_counter()
    cohort = cohort_plan(args.programme, args.patients, args.seed, args.prevalence)
    files = sum(
        len(write_study(study, args.out, size=size, transfer_syntax=args.transfer_syntax)) for study in cohort
    )
    manifest = write_ground_truth(cohort, args.out, size=size)
    outcomes = Counter(study.outcome for study in cohort)
    elapsed = time.perf_counter() - started
    print(f"{len(cohort)} studies, {files} files in {elapsed:.1f} s; outcomes {dict(outcomes)}; {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
