"""Random fields shared by the phantoms: power-law (1/f^beta) texture built with an FFT."""

import numpy as np


def power_law_noise(
    shape: tuple[int, ...],
    beta: float,
    rng: np.random.Generator,
    stretch: tuple[float, ...] | None = None,
) -> np.ndarray:
    """A zero-mean, unit-variance field whose power spectrum falls as 1/f^beta.

    `stretch` scales each axis's frequencies: a value above 1 elongates structures along that axis.
    """
    white = rng.standard_normal(shape, dtype=np.float32)
    spectrum = np.fft.rfftn(white)
    scales = stretch or (1.0,) * len(shape)
    axes = []
    for axis, size in enumerate(shape):
        freq = np.fft.rfftfreq(size) if axis == len(shape) - 1 else np.fft.fftfreq(size)
        view = [1] * len(shape)
        view[axis] = freq.size
        axes.append((freq * scales[axis]).astype(np.float32).reshape(view))
    radius_sq = sum(axis**2 for axis in axes)
    floor = 1.0 / max(shape) ** 2
    spectrum *= np.maximum(radius_sq, floor) ** np.float32(-beta / 4.0)
    spectrum.flat[0] = 0.0
    field = np.fft.irfftn(spectrum, s=shape, axes=tuple(range(len(shape)))).astype(np.float32)
    return field / np.float32(field.std() or 1.0)
