"""Train a demo model on a synthetic cohort and write its registry folder with a model card.

python -m inference.train --programme breast --patients 2400 --seed 1 --out models/

Steps: generate the cohort (or read --data with ground_truth.json), prepare every study through the
predictor's own DICOM decoding and preprocessing, split by participant into train / validation /
test, train with augmentation and a one-cycle schedule with early stopping on validation AUC, fit
a temperature on the validation split, choose the operating thresholds there, evaluate on the test
split and write `<out>/<name>/<version>/` (state dict, model_card.json).
"""

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

from inference.architectures import DEFAULT_TOP_FRACTION, ChestCtSliceNet, MammographyViewNet
from inference.calibration import temperature_fit
from inference.registry import CARD_FILE, sha256_file
from inference.study_scoring import DEFAULT_TOP_SLICES, calibrated
from inference.synthetic.cohort import PROGRAMMES
from inference.training.model_evaluation import band_aucs, test_metrics, thresholds_choose
from inference.training.score_baseline import score_baseline
from inference.training.training_data import (
    TrainingStudy,
    cache_path,
    cache_spec,
    cohort_generate,
    cohort_read,
    studies_load,
    studies_save,
)
from inference.training.training_loop import NEGATIVES_PER_POSITIVE, TrainingConfig, model_train, study_logits

WEIGHTS_FILE = "weights.pt"
SPLIT_SHARES = (0.7, 0.15, 0.15)
DEFAULT_INPUT = {"breast": (256, 208), "lung": (128, 128)}
INTENDED_USE = {
    "breast": (
        "Demonstration only: triage of 4-view screening mammograms (MG, for presentation) by suspicion of a "
        "mass or calcification cluster. Trained and validated on synthetic phantoms; not for clinical use."
    ),
    "lung": (
        "Demonstration only: triage of low-dose chest CT by suspicion of a pulmonary nodule. Trained and "
        "validated on synthetic phantoms; not for clinical use."
    ),
}


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m inference.train", description=__doc__)
    parser.add_argument("--programme", choices=PROGRAMMES, required=True)
    parser.add_argument("--patients", type=int, default=400, help="synthetic cohort size (one study each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prevalence", type=float, default=0.5, help="share of studies with a lesion")
    parser.add_argument("--data", type=Path, help="an existing cohort folder with ground_truth.json")
    parser.add_argument("--out", type=Path, required=True, help="registry root (e.g. models/)")
    parser.add_argument("--name", help="model name (default <programme>-demo)")
    parser.add_argument("--version", default="1.0.0")
    parser.add_argument("--rows", type=int, help="model input rows (default 256 MG / 128 CT)")
    parser.add_argument("--cols", type=int, help="model input cols (default 208 MG / 128 CT)")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--patience", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--widths", default="16,24,32,48,64", help="channels per stage")
    parser.add_argument(
        "--top-fraction",
        type=float,
        default=DEFAULT_TOP_FRACTION,
        help="share of the activation map's locations whose mean is the image logit (at least one)",
    )
    parser.add_argument(
        "--mg-channels",
        type=int,
        choices=(1, 2),
        default=2,
        help="mammography input channels: 1 the view, 2 the view and its calcification map",
    )
    parser.add_argument(
        "--fine-levels",
        type=int,
        choices=(0, 1, 2, 3),
        default=0,
        help="a top-down path making the activation map 2**F times finer (trained and pooled there)",
    )
    parser.add_argument(
        "--local-contrast-sigma", type=float, default=0.0, help="add image minus Gaussian blur (px) as input"
    )
    parser.add_argument(
        "--half-depth",
        type=int,
        choices=(1, 2, 3),
        default=1,
        help="lung: neighbour slices on each side of a CT slice (input channels 2 * half_depth + 1)",
    )
    parser.add_argument(
        "--top-slices",
        type=int,
        default=DEFAULT_TOP_SLICES,
        help="lung: study logit = mean of the top k slices",
    )
    parser.add_argument(
        "--crop",
        type=int,
        default=0,
        help="lung: train on crop x crop windows of slices (nodule, random, hard ones); 0 whole slices",
    )
    parser.add_argument(
        "--negatives-per-positive",
        type=int,
        default=NEGATIVES_PER_POSITIVE,
        help="lung: negative slices (or windows) per positive one in an epoch",
    )
    parser.add_argument("--workers", type=int, default=1, help="processes preparing studies")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads for training")
    parser.add_argument("--cache", type=Path, help="folder to keep prepared studies between runs")
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples for the AUC CI")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def _input_spec(args: argparse.Namespace) -> dict[str, Any]:
    rows, cols = DEFAULT_INPUT[args.programme]
    rows, cols = args.rows or rows, args.cols or cols
    if args.programme == "breast":
        return {
            "kind": "mammography_view",
            "rows": rows,
            "cols": cols,
            "channels": args.mg_channels,
            "orientation": "chest wall left (right views mirrored)",
            "intensity": "breast percentiles 1..99 -> 0..1, clipped at 1.5; air 0",
            **(
                {"calcification_channel": "excess over a 2 px blur at 2x the input size, max-pooled, x4"}
                if args.mg_channels == 2
                else {}
            ),
            "views_required": ["R-CC", "R-MLO", "L-CC", "L-MLO"],
        }
    return {
        "kind": "ct_slice_stack",
        "rows": rows,
        "cols": cols,
        "channels": 2 * args.half_depth + 1,
        "half_depth": args.half_depth,
        "window_hu": [-600, 1500],
        "min_slices": 8,
    }


def _studies(args: argparse.Namespace, spec: dict[str, Any]) -> list[TrainingStudy]:
    description = {"programme": args.programme, "spec": cache_spec(spec), "data": str(args.data or "")}
    description |= {"patients": args.patients, "seed": args.seed, "prevalence": args.prevalence}
    cached = cache_path(args.cache, description) if args.cache else None
    if cached and cached.exists():
        return studies_load(cached)
    if args.data:
        studies = cohort_read(args.data, spec, args.workers)
    else:
        studies = cohort_generate(
            args.programme, args.patients, args.seed, args.prevalence, spec, args.workers
        )
    if cached:
        studies_save(cached, studies)
    return studies


def split_by_participant(
    studies: list[TrainingStudy], seed: int
) -> tuple[list[TrainingStudy], list[TrainingStudy], list[TrainingStudy]]:
    """Train / validation / test by participant (70 / 15 / 15), stratified by lesion presence."""
    participants: dict[str, int] = {}
    for study in studies:
        participants[study.participant] = max(participants.get(study.participant, 0), study.label)
    rng = np.random.default_rng([seed, 7])
    assignment: dict[str, int] = {}
    for label in (0, 1):
        group = sorted(p for p, value in participants.items() if value == label)
        order = [group[i] for i in rng.permutation(len(group))]
        cut_train = round(len(order) * SPLIT_SHARES[0])
        cut_validation = cut_train + round(len(order) * SPLIT_SHARES[1])
        for index, participant in enumerate(order):
            assignment[participant] = 0 if index < cut_train else 1 if index < cut_validation else 2
    splits: tuple[list[TrainingStudy], ...] = ([], [], [])
    for study in studies:
        splits[assignment[study.participant]].append(study)
    return splits[0], splits[1], splits[2]


def _network(args: argparse.Namespace) -> tuple[torch.nn.Module, str, dict[str, Any]]:
    config: dict[str, Any] = {"widths": [int(w) for w in args.widths.split(",")]}
    if args.top_fraction != DEFAULT_TOP_FRACTION:
        config["top_fraction"] = args.top_fraction
    if args.local_contrast_sigma > 0:
        config["local_contrast_sigma"] = args.local_contrast_sigma
    if args.fine_levels:
        config["fine_levels"] = args.fine_levels
    if args.programme == "breast":
        config["in_channels"] = args.mg_channels
        return MammographyViewNet(**config), "mg_view_camnet", config
    config["in_channels"] = 2 * args.half_depth + 1
    return ChestCtSliceNet(**config), "ct_slice_camnet", config


def _training_data(args: argparse.Namespace, splits: Sequence[list[TrainingStudy]]) -> dict[str, Any]:
    return {
        "source": f"existing cohort {args.data}" if args.data else "synthetic cohort (inference.synthetic)",
        "patients": sum(len(s) for s in splits),
        "seed": args.seed,
        "prevalence": args.prevalence,
        "split": "by participant, stratified by lesion presence, 70/15/15",
        "studies": {name: len(s) for name, s in zip(("train", "validation", "test"), splits, strict=True)},
        "positives": {
            name: sum(x.label for x in s)
            for name, s in zip(("train", "validation", "test"), splits, strict=True)
        },
        "command": "python -m inference.train " + " ".join(args.argv),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Train, calibrate, evaluate and write the model folder; print the test figures."""
    args = _arguments(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    started = time.perf_counter()
    spec = _input_spec(args)
    studies = _studies(args, spec)
    print(f"{len(studies)} studies prepared in {time.perf_counter() - started:.0f} s", flush=True)
    train, validation, test = split_by_participant(studies, args.seed)
    network, architecture, architecture_config = _network(args)
    config = TrainingConfig(
        programme=args.programme,
        epochs=args.epochs,
        patience=args.patience,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        half_depth=args.half_depth,
        top_slices=args.top_slices,
        negatives_per_positive=args.negatives_per_positive,
        crop=args.crop,
        seed=args.seed,
    )
    prepared = time.perf_counter()
    history = model_train(network, train, validation, config, log=lambda line: print(line, flush=True))
    compute = {
        "device": "cpu",
        "threads": args.threads,
        "cores": os.cpu_count(),
        "preparing_minutes": round((prepared - started) / 60, 1),
        "training_minutes": round((time.perf_counter() - prepared) / 60, 1),
        "gpu": "none: inference.train runs on the CPU (a GPU serves inference workers only)",
    }
    validation_labels = np.array([s.label for s in validation])
    validation_logits = study_logits(network, validation, config)
    temperature = temperature_fit(validation_labels, validation_logits)
    thresholds = thresholds_choose(validation_labels, calibrated(validation_logits, temperature))
    test_probabilities = calibrated(study_logits(network, test, config), temperature)
    metrics = test_metrics(test, test_probabilities, thresholds, args.seed, args.bootstrap)
    metrics["training"] = {"best_epoch": history.best_epoch, "stopped_early": history.stopped_early}
    metrics["training"]["epochs"] = history.epochs
    name = args.name or f"{args.programme}-demo"
    folder = args.out / name / args.version
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(network.state_dict(), folder / WEIGHTS_FILE)
    card = {
        "name": name,
        "version": args.version,
        "programme": args.programme,
        "architecture": architecture,
        "architecture_config": architecture_config,
        "weights_format": "state_dict",
        "weights_file": WEIGHTS_FILE,
        "weights_sha256": sha256_file(folder / WEIGHTS_FILE),
        "input_spec": spec,
        "aggregation": (
            {"breast": "mean of its views' logits", "study": "max of the breasts"}
            if args.programme == "breast"
            else {"study": "mean of the top slices' logits", "top_slices": args.top_slices}
        ),
        "intended_use": INTENDED_USE[args.programme],
        "training_data": _training_data(args, (train, validation, test)) | {"compute": compute},
        "metrics": metrics,
        "calibration": {
            "method": "temperature",
            "temperature": round(temperature, 6),
            "fitted_on": "validation",
            "prevalence": args.prevalence,
        },
        "thresholds": thresholds,
        "band_aucs": band_aucs(test, test_probabilities, args.seed, min(args.bootstrap, 1000)),
        "score_baseline": score_baseline(
            test_probabilities,
            np.array([s.label for s in test]),
            {"source": "the test split", "seed": args.seed, "prevalence": args.prevalence},
        ),
        "created": datetime.now(UTC).date().isoformat(),
    }
    (folder / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps({k: metrics[k] for k in ("auc", "auc_ci95", "operating_points")}, indent=1))
    print(json.dumps(card["band_aucs"], indent=1))
    print(f"wrote {folder} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
