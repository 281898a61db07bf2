"""The training loop: AdamW, one-cycle learning rate, early stopping on the validation split's AUC.

Mammography trains on views (label: the lesion is in that view's breast); CT trains on 2.5-D slice
stacks (label: the slice cuts the nodule), with every positive slice and `negatives_per_positive`
times as many negative slices drawn afresh each epoch, half of them (from the second epoch) the
negatives the network then scores highest. With `crop` set, CT trains on windows of the slices
instead: a positive window holds the nodule, a random negative window lies anywhere on its slice,
a hard one is centred on the location the network scores highest there. Validation scores whole
studies the way the predictor does (`study_scoring`).
"""

import copy
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from inference.ct_preprocessing import slice_stack
from inference.metrics import roc_auc
from inference.study_scoring import DEFAULT_TOP_SLICES, breast_logits, ct_study_logit, mammography_study_logit
from inference.training.augmentation import batch_augment
from inference.training.training_data import TrainingStudy

NEGATIVES_PER_POSITIVE = 6
# Of those negatives, this share are the highest-scoring of HARD_NEGATIVE_POOL times as many drawn
# at random (scored by the network at the start of each epoch); the rest are drawn at random.
HARD_NEGATIVE_SHARE = 0.5
HARD_NEGATIVE_POOL = 4
# The activation map is also taught where the lesion is (the ground truth gives its centre and
# radius): a per-location loss on the map, with lesion locations weighted up because they are rare.
# This makes a small network learn from a few thousand images and keeps its heat maps on the lesion.
MAP_LOSS_WEIGHT = 1.0
MAP_POSITIVE_WEIGHT = 10.0


@dataclass(frozen=True)
class TrainingConfig:
    programme: str
    epochs: int = 12
    patience: int = 4
    batch_size: int = 32
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    half_depth: int = 1
    top_slices: int = DEFAULT_TOP_SLICES
    negatives_per_positive: int = NEGATIVES_PER_POSITIVE
    crop: int = 0  # CT: train on crop x crop windows of the slices; 0 for whole slices
    seed: int = 0


@dataclass
class TrainingHistory:
    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False


def _inputs_of(study: TrainingStudy, config: TrainingConfig) -> np.ndarray:
    """All model inputs of a study, as the predictor builds them."""
    if config.programme == "breast":
        return study.inputs.astype(np.float32)
    volume = study.inputs.astype(np.float32)
    return np.stack([slice_stack(volume, i, config.half_depth) for i in range(len(volume))])


def study_logits(network: nn.Module, studies: list[TrainingStudy], config: TrainingConfig) -> np.ndarray:
    """Study-level logits, aggregated exactly as the predictor aggregates them."""
    network.eval()
    results = []
    with torch.inference_mode():
        for study in studies:
            inputs = _inputs_of(study, config)
            logits = torch.cat(
                [network(torch.from_numpy(inputs[i : i + 64]))[0] for i in range(0, len(inputs), 64)]
            ).numpy()
            if config.programme == "breast":
                results.append(mammography_study_logit(breast_logits(study.sides, logits)))
            else:
                results.append(ct_study_logit(logits, config.top_slices))
    return np.array(results)


def peaks_inside(network: nn.Module, studies: list[TrainingStudy]) -> float:
    """MG: the share of lesion views whose activation map peaks inside the lesion (input pixels).

    The peak is the centre of the map's best cell; a cell of stride s covers input pixels
    [s * i, s * (i + 1)). Followed each epoch, beside the validation AUC, to see the map learn where.
    """
    network.eval()
    hits, views = 0, 0
    with torch.inference_mode():
        for study in studies:
            lesion_views = [i for i, (_, _, radius) in enumerate(study.lesion_disks.tolist()) if radius > 0]
            if not lesion_views:
                continue
            cams = network(torch.from_numpy(study.inputs[lesion_views].astype(np.float32)))[1]
            stride = study.inputs.shape[-2] / cams.shape[-2]
            for view, cam in zip(lesion_views, cams, strict=True):
                row, col = divmod(int(cam.argmax()), cam.shape[-1])
                lesion_row, lesion_col, radius = study.lesion_disks[view].tolist()
                distance = np.hypot(
                    (row + 0.5) * stride - 0.5 - lesion_row, (col + 0.5) * stride - 0.5 - lesion_col
                )
                hits, views = hits + int(distance <= radius), views + 1
    return hits / max(1, views)


# One training image: (study, image, top row, left column) of its window; (s, i, 0, 0) for whole images.
Sample = tuple[int, int, int, int]


def _epoch_samples(
    studies: list[TrainingStudy],
    config: TrainingConfig,
    rng: np.random.Generator,
    network: nn.Module | None = None,
) -> list[Sample]:
    """Samples for one epoch, shuffled; CT negatives partly mined with network if given."""
    pairs = [(s, i) for s, study in enumerate(studies) for i in range(len(study.image_labels))]
    if config.programme != "lung":
        samples = [(s, i, 0, 0) for s, i in pairs]
        return [samples[i] for i in rng.permutation(len(samples))]
    positives = [p for p in pairs if studies[p[0]].image_labels[p[1]]]
    negatives = [p for p in pairs if not studies[p[0]].image_labels[p[1]]]
    count = min(len(negatives), max(config.negatives_per_positive * len(positives), 4 * config.batch_size))
    hard = _hard_negatives(network, studies, negatives, count, config, rng) if network is not None else []
    taken = {(s, i) for s, i, _, _ in hard}
    rest = [pair for pair in negatives if pair not in taken]
    chosen = rng.choice(len(rest), size=count - len(hard), replace=False)
    samples = [
        _window(studies, (s, i), config, rng, centre=_lesion_centre(studies[s], i)) for s, i in positives
    ]
    samples += hard + [_window(studies, rest[i], config, rng) for i in sorted(chosen)]
    return [samples[i] for i in rng.permutation(len(samples))]


def _lesion_centre(study: TrainingStudy, image: int) -> tuple[float, float]:
    row, col, _ = study.lesion_disks[image].tolist()
    return row, col


def _window(
    studies: list[TrainingStudy],
    pair: tuple[int, int],
    config: TrainingConfig,
    rng: np.random.Generator,
    centre: tuple[float, float] | None = None,
) -> Sample:
    """The sample of image pair = (study s, image i): whole, or a crop window (at random, or holding
    centre with it at least a sixth of the window from the edges)."""
    s, i = pair
    if not config.crop:
        return (s, i, 0, 0)
    rows, cols = studies[s].inputs.shape[-2:]
    size = config.crop
    if centre is None:
        return (s, i, int(rng.integers(0, rows - size + 1)), int(rng.integers(0, cols - size + 1)))
    margin = size // 6
    top = int(np.clip(centre[0] - rng.uniform(margin, size - margin), 0, rows - size))
    left = int(np.clip(centre[1] - rng.uniform(margin, size - margin), 0, cols - size))
    return (s, i, top, left)


def _hard_negatives(
    network: nn.Module,
    studies: list[TrainingStudy],
    negatives: list[tuple[int, int]],
    count: int,
    config: TrainingConfig,
    rng: np.random.Generator,
) -> list[Sample]:
    """The negative CT slices the network now scores highest, from a random pool of them (with a
    crop, the window around the location it scores highest).

    A study's score is its top slices, so the few nodule-like places of a lesion-free study (large
    vessels cut across near the hilum) decide it; drawn at random they are too rare to be learned.
    """
    wanted = round(count * HARD_NEGATIVE_SHARE)
    pool = rng.choice(len(negatives), size=min(len(negatives), wanted * HARD_NEGATIVE_POOL), replace=False)
    pool_order = sorted(pool)
    candidates = [(*negatives[i], 0, 0) for i in pool_order]
    scores, places = [], []
    whole = dataclasses.replace(config, crop=0)
    network.eval()
    with torch.inference_mode():
        for start in range(0, len(candidates), 64):
            images = _batch(studies, candidates[start : start + 64], whole)[0]
            logits, cams = network(images)
            scores.append(logits.numpy())
            best = cams.flatten(1).argmax(dim=1).numpy()
            height, width = cams.shape[-2:]
            step_rows, step_cols = images.shape[-2] / height, images.shape[-1] / width
            places += [((b // width + 0.5) * step_rows, (b % width + 0.5) * step_cols) for b in best.tolist()]
    network.train()
    ranked = np.argsort(-np.concatenate(scores), kind="stable")[:wanted]
    return [_window(studies, negatives[pool_order[k]], config, rng, centre=places[k]) for k in ranked]


def lesion_masks(disks: np.ndarray, shape: tuple[int, int]) -> torch.Tensor:
    """(N, 1, H, W) masks with a disk per (row, col, radius); all zero where radius < 0."""
    rows = torch.arange(shape[0], dtype=torch.float32)[:, None]
    cols = torch.arange(shape[1], dtype=torch.float32)[None, :]
    masks = torch.zeros(len(disks), 1, *shape)
    for index, (row, col, radius) in enumerate(disks.tolist()):
        if radius > 0:
            masks[index, 0] = (((rows - row) ** 2 + (cols - col) ** 2) <= radius**2).float()
    return masks


def map_loss(cams: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Per-location BCE of the activation map against the lesion mask pooled onto its grid."""
    targets = (F.adaptive_max_pool2d(masks, cams.shape[-2:])[:, 0] > 0.3).float()
    weight = torch.tensor(MAP_POSITIVE_WEIGHT)
    return F.binary_cross_entropy_with_logits(cams, targets, pos_weight=weight)


def _batch(
    studies: list[TrainingStudy], samples: list[Sample], config: TrainingConfig
) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """Images, image labels and lesion disks (in window pixels) of samples; a crop's label is whether
    its window holds the lesion's centre."""
    images, labels, disks = [], [], []
    for s, i, top, left in samples:
        study = studies[s]
        if config.programme == "breast":
            image = study.inputs[i]
        else:
            image = slice_stack(study.inputs, i, config.half_depth)
        row, col, radius = study.lesion_disks[i].tolist()
        label = float(study.image_labels[i])
        if config.crop:
            image = image[:, top : top + config.crop, left : left + config.crop]
            row, col = row - top, col - left
            inside = 0 <= row < config.crop and 0 <= col < config.crop
            label = label if inside else 0.0
            radius = radius if inside else -1.0
        images.append(image.astype(np.float32))
        labels.append(label)
        disks.append((row, col, radius))
    return torch.from_numpy(np.stack(images)), torch.tensor(labels), np.array(disks, dtype=np.float32)


def model_train(
    network: nn.Module,
    train: list[TrainingStudy],
    validation: list[TrainingStudy],
    config: TrainingConfig,
    log: Callable[[str], None] = print,
) -> TrainingHistory:
    """Train network in place; it ends holding the weights of the best validation epoch."""
    rng = np.random.default_rng(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    steps = len(_epoch_samples(train, config, np.random.default_rng(0))) // config.batch_size
    optimiser = torch.optim.AdamW(
        network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=config.learning_rate, total_steps=max(1, steps * config.epochs), pct_start=0.15
    )
    labels = np.concatenate([s.image_labels for s in train])
    pos_weight = torch.tensor(float((labels == 0).sum()) / max(1.0, float(labels.sum())))
    loss_function = nn.BCEWithLogitsLoss(pos_weight=pos_weight if config.programme == "breast" else None)
    validation_labels = np.array([s.label for s in validation])
    history, best_auc, best_state = TrainingHistory(), -1.0, copy.deepcopy(network.state_dict())
    for epoch in range(1, config.epochs + 1):
        started, losses = time.perf_counter(), []
        network.train()
        samples = _epoch_samples(train, config, rng, network if epoch > 1 else None)
        for step in range(steps):
            images, targets, disks = _batch(
                train, samples[step * config.batch_size : (step + 1) * config.batch_size], config
            )
            masks = lesion_masks(disks, (images.shape[-2], images.shape[-1]))
            images, masks = batch_augment(
                images, masks, generator, mirror_left_right=config.programme == "lung"
            )
            logits, cams = network(images)
            loss = loss_function(logits, targets) + MAP_LOSS_WEIGHT * map_loss(cams, masks)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            losses.append(loss.item())
        logits = study_logits(network, validation, config)
        auc = roc_auc(validation_labels, logits)
        record = {"epoch": epoch, "train_loss": float(np.mean(losses)), "validation_auc": auc}
        located = ""
        if config.programme == "breast":
            record["validation_peak_inside"] = peaks_inside(network, validation)
            located = f", peak inside lesion {record['validation_peak_inside']:.3f}"
        record["seconds"] = time.perf_counter() - started
        history.epochs.append(record)
        log(
            f"epoch {epoch}: loss {record['train_loss']:.4f} validation AUC {auc:.4f}{located}"
            f" ({record['seconds']:.0f} s)"
        )
        if auc > best_auc:
            best_auc, history.best_epoch, best_state = auc, epoch, copy.deepcopy(network.state_dict())
        elif epoch - history.best_epoch >= config.patience:
            history.stopped_early = True
            log(f"early stop: no better validation AUC since epoch {history.best_epoch}")
            break
    network.load_state_dict(best_state)
    network.eval()
    return history
