"""The locked test cohort of a released version: one seed, used once, its figures kept on the card.

Thresholds and recipes are chosen on validation data; a test split consulted again and again stops
being a test. So each version's card records one locked seed, when it was scored and the figures it
gave. Scoring that seed again for the same version is refused unless forced, and a forced rerun is
recorded on the card beside the first.
"""

import json
from datetime import UTC, datetime
from typing import Any

from inference.registry import CARD_FILE, ModelCard


def card_seeds(card: ModelCard) -> set[int]:
    """Seeds the card already names: training (whose cohort held its splits) and the locked test."""
    seeds = {int(card.training_data["seed"])} if "seed" in card.training_data else set()
    if "seed" in card.locked_test:
        seeds.add(int(card.locked_test["seed"]))
    return seeds


def lock_refusal(card: ModelCard, seed: int, *, lock: bool) -> str | None:
    """Why this run must be forced (None when it may run)."""
    locked = card.locked_test.get("seed")
    if locked is not None and int(locked) == seed:
        used = card.locked_test.get("used_at", "?")
        return f"seed {seed} is the locked test cohort of {card.key}, already used on {used}"
    if lock and locked is not None:
        return f"{card.key} already has a locked test cohort (seed {locked}); a version is locked once"
    return None


def lock_record(
    card: ModelCard,
    *,
    seed: int,
    patients: int,
    prevalence: float,
    forced: bool,
    command: str,
    figures: dict[str, Any],
) -> dict[str, Any]:
    """Write the locked cohort's figures into the version's model_card.json; return the record."""
    record: dict[str, Any] = {
        "seed": seed,
        "patients": patients,
        "prevalence": prevalence,
        "used_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "forced": forced,
        "command": command,
        "figures": figures,
    }
    if card.locked_test:
        earlier = dict(card.locked_test)
        record["earlier_runs"] = [
            *earlier.pop("earlier_runs", []),
            {k: v for k, v in earlier.items() if k != "figures"},
        ]
    path = card.folder / CARD_FILE
    data = json.loads(path.read_text())
    data["locked_test"] = record
    path.write_text(json.dumps(data, indent=1) + "\n")
    return record
