"""Score a registered model on a cohort generated from a seed, as the product scores studies.

python -m inference.evaluate --model breast-demo[:2.0.0] --seed 9107 --patients 360 [--prevalence 0.2]

Prints the AUC with its bootstrap 95% CI, per-band AUCs, localisation (breast: the heat map's peak
inside the lesion and the pointing game per lesion view; lung: the top slice on the nodule by size
band and FROC sensitivity at 1/2/4 false positives per study), the ECE at a prevalence (the cohort
reweighted to it; card scores and prior-shifted ones) and the operating points at the card's
thresholds with Wilson 95% CIs. `--json` writes the figures; `--lock` records them on the card as
the version's locked test cohort (refused a second time unless `--force`, which is recorded).
"""

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from inference.evaluation.cohort_scoring import cohort_score
from inference.evaluation.evaluation_figures import evaluation_figures, figures_text
from inference.evaluation.locked_cohort import card_seeds, lock_record, lock_refusal
from inference.registry import model_card_get, model_load

DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "models"


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m inference.evaluate", description=__doc__)
    parser.add_argument("--model", required=True, help="NAME or NAME:VERSION (latest version by default)")
    parser.add_argument("--seed", type=int, required=True, help="cohort seed; must not be a training seed")
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument(
        "--prevalence", type=float, default=0.5, help="share of generated studies with a lesion"
    )
    parser.add_argument(
        "--calibration-prevalence", type=float, default=0.2, help="prevalence at which the ECE is judged"
    )
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="registry root")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--lock", action="store_true", help="record the figures as the version's locked test cohort"
    )
    parser.add_argument("--force", action="store_true", help="run a locked seed again (recorded on the card)")
    parser.add_argument("--bootstrap", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate; print the figures (and write them where asked)."""
    args = _arguments(argv)
    torch.set_num_threads(args.threads)
    name, _, version = args.model.partition(":")
    card = model_card_get(args.root, name, version or None)
    refusal = lock_refusal(card, args.seed, lock=args.lock)
    if refusal and not args.force:
        print(f"refused: {refusal} (--force runs it and records that it was forced)", file=sys.stderr)
        return 2
    if args.seed in card_seeds(card):
        print(
            f"warning: seed {args.seed} is one the card names; these figures are not from unseen data",
            file=sys.stderr,
        )
    started = time.perf_counter()
    studies = list(
        cohort_score(
            model_load(card),
            patients=args.patients,
            seed=args.seed,
            prevalence=args.prevalence,
            log=lambda line: print(line, file=sys.stderr, flush=True),
        )
    )
    figures = evaluation_figures(
        card, studies, prevalence=args.calibration_prevalence, seed=args.seed, bootstrap=args.bootstrap
    )
    figures["cohort"] = {"seed": args.seed, "patients": args.patients, "prevalence": args.prevalence}
    figures["model"] = card.key
    figures["seconds"] = round(time.perf_counter() - started)
    print(f"{card.key} on seed {args.seed} ({figures['seconds']} s)")
    print(figures_text(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    if args.lock:
        command = "python -m inference.evaluate " + " ".join(args.argv)
        lock_record(
            card,
            seed=args.seed,
            patients=args.patients,
            prevalence=args.prevalence,
            forced=bool(refusal),
            command=command,
            figures=figures,
        )
        print(f"recorded as the locked test cohort of {card.key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
