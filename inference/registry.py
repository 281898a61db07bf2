"""The model registry: a model is a folder `<root>/<name>/<version>/` with weights and model_card.json.

A card describes the model (programme, architecture, input), how it was validated (metrics with
95% confidence intervals, per-band AUCs), its calibration (a temperature) and the recommended
operating thresholds on the calibrated probability. Loading checks the weights' SHA-256 first and
refuses a mismatch. Sites add a model by dropping in a folder: TorchScript, or a state dict of a
registered architecture (see `architectures.py`).
"""

import hashlib
import json
import re
import warnings
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from inference.architectures import architecture_get

CARD_FILE = "model_card.json"
PROGRAMMES = ("breast", "lung")
WEIGHTS_FORMATS = ("state_dict", "torchscript")
THRESHOLD_KEYS = ("high", "low")


class ModelRegistryError(Exception):
    """No such model, or a folder that is not a valid model."""


class WeightsChecksumMismatch(ModelRegistryError):
    """The weights file is not the one the card vouches for."""


@dataclass(frozen=True)
class ModelCard:
    """What model_card.json says, plus the folder it lives in."""

    name: str
    version: str
    programme: str
    architecture: str
    weights_format: str
    weights_file: str
    weights_sha256: str
    input_spec: dict[str, Any]
    intended_use: str
    training_data: dict[str, Any]
    metrics: dict[str, Any]
    calibration: dict[str, Any]
    thresholds: dict[str, float]
    band_aucs: dict[str, Any]
    folder: Path
    architecture_config: dict[str, Any] = field(default_factory=dict)
    aggregation: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    # The validation score histogram monitoring compares live scores with
    # (inference/training/score_baseline.py); empty on a card written before it existed.
    score_baseline: dict[str, Any] = field(default_factory=dict)
    # The locked test cohort of this version: its seed, when it was used and the figures from it.
    locked_test: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.name}:{self.version}"

    @property
    def temperature(self) -> float:
        return float(self.calibration.get("temperature", 1.0))

    @property
    def calibration_prevalence(self) -> float | None:
        """The prevalence the calibrated probabilities hold for (the calibration set's); None if unknown."""
        value = self.calibration.get("prevalence")
        return None if value is None else float(value)

    @property
    def weights_path(self) -> Path:
        return self.folder / self.weights_file

    def to_dict(self) -> dict[str, Any]:
        """The card as JSON-ready data (folder as a string)."""
        data = asdict(self)
        data["folder"] = str(self.folder)
        return data


@dataclass
class LoadedModel:
    """A card with its network in eval mode on a device."""

    card: ModelCard
    network: nn.Module
    device: str


_REQUIRED = [
    f.name
    for f in fields(ModelCard)
    if f.name != "folder" and f.default is MISSING and f.default_factory is MISSING
]


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _card_problem(data: dict[str, Any], folder: Path) -> str | None:
    missing = [name for name in _REQUIRED if name not in data]
    if missing:
        return "model card lacks " + ", ".join(missing)
    if (data["name"], data["version"]) != (folder.parent.name, folder.name):
        named = f"{data['name']}:{data['version']}"
        return f"card names {named} but the folder is {folder.parent.name}/{folder.name}"
    if data["programme"] not in PROGRAMMES:
        return f"unknown programme {data['programme']!r}"
    if data["weights_format"] not in WEIGHTS_FORMATS:
        return f"unknown weights_format {data['weights_format']!r}"
    thresholds = data["thresholds"]
    if not isinstance(thresholds, dict) or any(
        not isinstance(thresholds.get(k), int | float) for k in THRESHOLD_KEYS
    ):
        return "thresholds must give numbers for 'high' and 'low'"
    if not (folder / str(data["weights_file"])).is_file():
        return f"weights file {data['weights_file']!r} is missing"
    if data["weights_format"] == "state_dict":
        try:
            architecture_get(str(data["architecture"]))
        except KeyError:
            return f"architecture {data['architecture']!r} is not registered"
        except ImportError as exc:
            return f"cannot import an INFERENCE_ARCHITECTURE_MODULES module: {exc}"
    return None


def model_card_read(folder: Path) -> ModelCard:
    """Read and check one model folder's card; ModelRegistryError says what is wrong."""
    path = folder / CARD_FILE
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelRegistryError(f"unreadable {CARD_FILE}: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelRegistryError(f"{CARD_FILE} is not a JSON object")
    problem = _card_problem(data, folder)
    if problem:
        raise ModelRegistryError(problem)
    known = {f.name for f in fields(ModelCard)} - {"folder"}
    return ModelCard(folder=folder, **{key: value for key, value in data.items() if key in known})


def _model_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        version for name in root.iterdir() if name.is_dir() for version in name.iterdir() if version.is_dir()
    )


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order: 1.10 after 1.9; numbers before words."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"[.\-_+]", version))


def _sort_key(card: ModelCard) -> tuple[str, tuple[tuple[int, int | str], ...]]:
    return card.name, _version_key(card.version)


def registry_scan(root: Path) -> list[ModelCard]:
    """Valid models under root, sorted by name then version (checksums are checked at load)."""
    cards = []
    for folder in _model_folders(Path(root)):
        try:
            cards.append(model_card_read(folder))
        except ModelRegistryError:
            continue
    return sorted(cards, key=_sort_key)


def registry_problems(root: Path) -> list[tuple[Path, str]]:
    """Folders under root that are not valid models, with the reason."""
    problems = []
    for folder in _model_folders(Path(root)):
        try:
            model_card_read(folder)
        except ModelRegistryError as exc:
            problems.append((folder, str(exc)))
    return problems


def model_card_get(root: Path, name: str, version: str | None = None) -> ModelCard:
    """The card of name:version, or of name's latest version when version is None."""
    cards = [card for card in registry_scan(root) if card.name == name]
    if version is not None:
        cards = [card for card in cards if card.version == version]
    if not cards:
        wanted = name if version is None else f"{name}:{version}"
        raise ModelRegistryError(f"no valid model {wanted} under {root}")
    return cards[-1]


def weights_verify(card: ModelCard) -> None:
    """Raise WeightsChecksumMismatch unless the weights hash to the card's SHA-256."""
    actual = sha256_file(card.weights_path)
    if actual != card.weights_sha256.lower():
        raise WeightsChecksumMismatch(
            f"{card.key}: weights SHA-256 {actual} does not match the card's {card.weights_sha256}"
        )


def default_device() -> str:
    """CUDA when available, else CPU."""
    return "cuda:0" if torch.cuda.is_available() else "cpu"


def model_load(card: ModelCard, device: str | None = None) -> LoadedModel:
    """Verify the weights' checksum, build the network and put it in eval mode on device."""
    weights_verify(card)
    target = device or default_device()
    network: nn.Module
    try:
        if card.weights_format == "torchscript":
            with warnings.catch_warnings():  # deprecated in favour of torch.export, still what sites ship
                warnings.simplefilter("ignore", DeprecationWarning)
                network = torch.jit.load(str(card.weights_path), map_location=target)
        else:
            network = architecture_get(card.architecture)(**card.architecture_config)
            state = torch.load(card.weights_path, map_location=target, weights_only=True)
            network.load_state_dict(state)
    except (KeyError, RuntimeError, ValueError, TypeError) as exc:
        raise ModelRegistryError(f"{card.key}: cannot load weights: {exc}") from exc
    network.to(target).eval()
    return LoadedModel(card=card, network=network, device=target)
