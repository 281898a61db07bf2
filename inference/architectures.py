"""Model architectures by name: the table a state-dict model card points into.

Every architecture maps a batch (N, C, H, W) to (logits (N,), class activation map (N, h, w)):
the map is the classifier applied at every location of the last feature map, and the image
logit pools it (mean of the top few locations), so the map is exactly where the logit came from.

Sites register more architectures by naming importable modules in INFERENCE_ARCHITECTURE_MODULES
(comma-separated); each module calls `architecture_register` when imported.
"""

import importlib
import itertools
import os
from collections.abc import Callable

import torch
from torch import nn

ARCHITECTURE_MODULES_ENV = "INFERENCE_ARCHITECTURE_MODULES"
ARCHITECTURES: dict[str, type[nn.Module]] = {}
# The image logit is the mean of this share of the activation map's locations (at least one).
DEFAULT_TOP_FRACTION = 0.02


def architecture_register(name: str) -> Callable[[type[nn.Module]], type[nn.Module]]:
    """Class decorator: make an nn.Module available to model cards under name."""

    def register(cls: type[nn.Module]) -> type[nn.Module]:
        ARCHITECTURES[name] = cls
        return cls

    return register


def architecture_modules_import() -> list[str]:
    """Import the modules named in INFERENCE_ARCHITECTURE_MODULES; return their names."""
    names = [name.strip() for name in os.environ.get(ARCHITECTURE_MODULES_ENV, "").split(",") if name.strip()]
    for name in names:
        importlib.import_module(name)
    return names


def architecture_get(name: str) -> type[nn.Module]:
    """The class registered under name (after importing the site's modules); KeyError if none."""
    architecture_modules_import()
    return ARCHITECTURES[name]


def _conv_block(channels_in: int, channels_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(channels_out, channels_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
    )


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    radius = max(1, int(3 * sigma + 0.5))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-(offsets**2) / (2 * sigma * sigma))
    return kernel / kernel.sum()


class LocalContrast(nn.Module):
    """Adds, per input channel, the image minus its Gaussian blur (a fixed band-pass, not trained).

    Breast texture varies mostly at low spatial frequencies; a mass or a calcification cluster is a
    local excess over its surroundings, which this channel shows directly.
    """

    kernel_rows: torch.Tensor
    kernel_cols: torch.Tensor

    def __init__(self, channels: int, sigma: float) -> None:
        super().__init__()
        kernel = _gaussian_kernel(sigma)
        self.register_buffer("kernel_rows", kernel.reshape(1, 1, -1, 1).repeat(channels, 1, 1, 1))
        self.register_buffer("kernel_cols", kernel.reshape(1, 1, 1, -1).repeat(channels, 1, 1, 1))
        self.channels = channels
        self.padding = kernel.numel() // 2

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        blurred = nn.functional.conv2d(
            images, self.kernel_rows, padding=(self.padding, 0), groups=self.channels
        )
        blurred = nn.functional.conv2d(
            blurred, self.kernel_cols, padding=(0, self.padding), groups=self.channels
        )
        return torch.cat([images, images - blurred], dim=1)


class CamNet(nn.Module):
    """A small VGG-like CNN whose logit is the top-k mean of a per-location classifier map."""

    def __init__(
        self,
        in_channels: int = 1,
        widths: tuple[int, ...] = (16, 24, 32, 48, 64),
        top_fraction: float = DEFAULT_TOP_FRACTION,
        local_contrast_sigma: float = 0.0,
    ) -> None:
        super().__init__()
        self.local_contrast: nn.Module = (
            LocalContrast(in_channels, local_contrast_sigma) if local_contrast_sigma > 0 else nn.Identity()
        )
        stem_channels = in_channels * 2 if local_contrast_sigma > 0 else in_channels
        stem = nn.Sequential(
            nn.Conv2d(stem_channels, widths[0], 5, stride=2, padding=2, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        )
        stages: list[nn.Module] = [stem]
        for channels_in, channels_out in itertools.pairwise(widths):
            stages += [nn.MaxPool2d(2), _conv_block(channels_in, channels_out)]
        self.features = nn.Sequential(*stages)
        self.dropout = nn.Dropout2d(0.1)
        self.classifier = nn.Conv2d(widths[-1], 1, 1)
        self.top_fraction = top_fraction

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        cam = self.classifier(self.dropout(self.features(self.local_contrast(images))))[:, 0]
        flat = cam.flatten(1)
        k = max(1, int(flat.shape[1] * self.top_fraction + 0.5))
        logits = flat.topk(k, dim=1).values.mean(dim=1)
        return logits, cam


@architecture_register("mg_view_camnet")
class MammographyViewNet(CamNet):
    """One mammography view (1 channel) to a lesion logit and its activation map."""


@architecture_register("ct_slice_camnet")
class ChestCtSliceNet(CamNet):
    """One CT slice with its neighbours as channels (2.5-D) to a nodule logit and activation map."""

    def __init__(
        self,
        in_channels: int = 3,
        widths: tuple[int, ...] = (16, 24, 32, 48, 64),
        top_fraction: float = DEFAULT_TOP_FRACTION,
        local_contrast_sigma: float = 0.0,
    ) -> None:
        super().__init__(in_channels, widths, top_fraction, local_contrast_sigma)
