"""The validation score distribution a model card carries, the baseline that monitoring compares
live scores with (score drift: docs/monitoring.md).

A histogram of calibrated study scores in `SCORE_BINS` equal-width bins over [0, 1] (bin i holds
scores in [i / B, (i + 1) / B), the last bin also 1.0), for all studies and for those with a lesion,
with the cohort that produced it. `python -m inference.training.score_baseline models/<name>/<version>`
writes it into a shipped card by scoring a fixed-seed synthetic cohort; `inference.train` writes it
from its test split for every new model.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

SCORE_BINS = 100
BASELINE_SEED = 2026
BASELINE_PREVALENCE = 0.2  # the demo cohort's default share of studies with a lesion


def score_bins(scores: np.ndarray) -> np.ndarray:
    """Each score's bin index, as the monitoring SQL computes it (LEAST(FLOOR(score * B), B - 1))."""
    clipped = np.clip(np.asarray(scores, dtype=np.float64), 0.0, 1.0)
    return np.minimum(np.floor(clipped * SCORE_BINS).astype(np.int64), SCORE_BINS - 1)


def score_baseline(scores: np.ndarray, labels: np.ndarray, cohort: dict[str, Any]) -> dict[str, Any]:
    """The card's `score_baseline` entry for these scores and lesion labels."""
    bins = score_bins(scores)
    positives = np.asarray(labels, dtype=bool)
    return {
        "bins": SCORE_BINS,
        "range": [0.0, 1.0],
        "n": len(bins),
        "counts": np.bincount(bins, minlength=SCORE_BINS).tolist(),
        "positives": int(positives.sum()),
        "positive_counts": np.bincount(bins[positives], minlength=SCORE_BINS).tolist(),
        "cohort": cohort,
    }


def _card_scores(folder: Path, patients: int, seed: int, prevalence: float) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated scores and labels of a fixed-seed synthetic cohort, scored as the predictor does."""
    import torch

    from inference.registry import model_card_read, model_load
    from inference.study_scoring import calibrated
    from inference.training.training_data import cohort_generate
    from inference.training.training_loop import TrainingConfig, study_logits

    card = model_card_read(folder)
    loaded = model_load(card, "cpu")
    torch.set_num_threads(1)
    studies = cohort_generate(card.programme, patients, seed, prevalence, card.input_spec, workers=1)
    config = TrainingConfig(
        programme=card.programme,
        half_depth=int(card.input_spec.get("half_depth", 1)),
        top_slices=int(card.aggregation.get("top_slices", 0) or 0) or TrainingConfig.top_slices,
    )
    logits = study_logits(loaded.network, studies, config)
    return calibrated(logits, card.temperature), np.array([s.label for s in studies])


def main(argv: Sequence[str] | None = None) -> int:
    """Score a synthetic cohort with a shipped model and write `score_baseline` into its card."""
    parser = argparse.ArgumentParser(prog="python -m inference.training.score_baseline", description=__doc__)
    parser.add_argument("folder", type=Path, help="the model folder (models/<name>/<version>)")
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--seed", type=int, default=BASELINE_SEED)
    parser.add_argument("--prevalence", type=float, default=BASELINE_PREVALENCE)
    args = parser.parse_args(argv)
    scores, labels = _card_scores(args.folder, args.patients, args.seed, args.prevalence)
    cohort = {
        "source": "synthetic cohort (inference.synthetic), one study per participant",
        "patients": args.patients,
        "seed": args.seed,
        "prevalence": args.prevalence,
        "command": "python -m inference.training.score_baseline "
        + " ".join(sys.argv[1:] if argv is None else argv),
    }
    path = args.folder / "model_card.json"
    card = json.loads(path.read_text())
    card["score_baseline"] = score_baseline(scores, labels, cohort)
    path.write_text(json.dumps(card, indent=1) + "\n")
    print(f"{path}: {len(scores)} scores, mean {scores.mean():.4f}, {labels.sum()} with a lesion")
    return 0


if __name__ == "__main__":
    sys.exit(main())
