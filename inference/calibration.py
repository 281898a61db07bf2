"""Temperature scaling: one positive number that makes sigmoid(logit / T) honest on validation data."""

import numpy as np


def binary_nll(labels: np.ndarray, logits: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood of labels under sigmoid(logits / temperature)."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    labels = np.asarray(labels, dtype=np.float64)
    return float(np.mean(np.logaddexp(0.0, scaled) - labels * scaled))


def temperature_fit(labels: np.ndarray, logits: np.ndarray) -> float:
    """The temperature (0.05..20, log grid refined twice) with the lowest validation NLL."""
    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 121))
    for _ in range(3):
        losses = [binary_nll(labels, logits, t) for t in grid]
        best = int(np.argmin(losses))
        low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
        grid = np.exp(np.linspace(np.log(low), np.log(high), 41))
    return float(grid[int(np.argmin([binary_nll(labels, logits, t) for t in grid]))])
