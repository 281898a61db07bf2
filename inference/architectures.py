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
import torch.nn.functional as F
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
    """A small VGG-like CNN whose logit is the top-k mean of a per-location classifier map.

    With `dense_levels` L > 0, in eval mode the map is computed with the last L max pools kept at
    full resolution and the layers after them dilated (a trous, "shift and stitch"): the same
    network evaluated at 2**L times as many places, so the map is 2**L times finer and exactly equal
    to the ordinary map at every 2**L-th location. The logit pools those locations, so it does not
    change; only the heat map gets finer. Training always uses the ordinary map.

    With `fine_levels` F > 0 the map is built instead by a top-down path (`_fine_features`) at
    stride 2**F times finer, in training too: the map is taught where the lesion is at that stride,
    and the logit pools it.
    """

    # TorchScript (a site's scripted CamNet) leaves the dense and fine maps out: scripted models are
    # ordinary.
    __jit_unused_properties__ = ["dense_shift_cells"]

    def __init__(
        self,
        in_channels: int = 1,
        widths: tuple[int, ...] = (16, 24, 32, 48, 64),
        top_fraction: float = DEFAULT_TOP_FRACTION,
        local_contrast_sigma: float = 0.0,
        dense_levels: int = 0,
        fine_levels: int = 0,
    ) -> None:
        super().__init__()
        if dense_levels and fine_levels:
            raise ValueError("a CamNet has a dense map or a fine map, not both")
        self.dense_levels = dense_levels
        self.fine_levels = fine_levels
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
        # The fine map's top-down path: per level, the coarser map upsampled beside the stage output
        # of that stride, mixed by a 3 x 3 convolution as wide as the stage.
        self.decoder = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(coarse + skip, skip, 3, padding=1, bias=False),
                nn.BatchNorm2d(skip),
                nn.ReLU(inplace=True),
            )
            for coarse, skip in itertools.pairwise(list(reversed(widths))[: fine_levels + 1])
        )
        self.dropout = nn.Dropout2d(0.1)
        self.classifier = nn.Conv2d(widths[-1 - fine_levels], 1, 1)
        self.top_fraction = top_fraction

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inputs = self.local_contrast(images)
        if self.dense_levels > 0 and not self.training:
            cam = self.classifier(self._dense_features(inputs))[:, 0]
            step = 1 << self.dense_levels
            pooled = cam[:, ::step, ::step]
        elif self.fine_levels > 0:
            cam = pooled = self.classifier(self.dropout(self._fine_features(inputs)))[:, 0]
        else:
            cam = pooled = self.classifier(self.dropout(self.features(inputs)))[:, 0]
        flat = pooled.flatten(1)
        k = max(1, int(flat.shape[1] * self.top_fraction + 0.5))
        logits = flat.topk(k, dim=1).values.mean(dim=1)
        return logits, cam

    @property
    def dense_shift_cells(self) -> float:
        """How many dense cells down and right of its index each dense value's window is centred.

        Dense value j is the network's window starting at j fine cells, as wide as a coarse cell
        (2**L fine ones), so its centre lies (2**L - 1) / 2 fine cells further on than cell j's.
        """
        return (2**self.dense_levels - 1) / 2 if self.dense_levels > 0 and not self.training else 0.0

    @torch.jit.unused
    def _dense_features(self, x: torch.Tensor) -> torch.Tensor:
        """The features with the last dense_levels max pools at stride 1 and later convs dilated."""
        pools = [i for i, module in enumerate(self.features) if isinstance(module, nn.MaxPool2d)]
        dense_pools = set(pools[len(pools) - min(self.dense_levels, len(pools)) :])
        dilation = 1
        for index, module in enumerate(self.features):
            if index in dense_pools:
                # As the ordinary pool drops an odd last row / column, so does this one; the inputs
                # are post-ReLU (>= 0), so a zero pad at the far edges changes no maximum.
                rows, cols = (size // (2 * dilation) * 2 * dilation for size in x.shape[-2:])
                x = F.pad(x[..., :rows, :cols], (0, dilation, 0, dilation))
                x = F.max_pool2d(x, 2, stride=1, dilation=dilation)
                dilation *= 2
            elif dilation == 1:
                x = module(x)
            else:
                for layer in module.children() if isinstance(module, nn.Sequential) else [module]:
                    x = _dilated(layer, x, dilation)
        return x

    @torch.jit.unused
    def _fine_features(self, x: torch.Tensor) -> torch.Tensor:
        """The last stage's features carried back up `fine_levels` strides (a U-Net's top-down path).

        Each stage's output is kept; going up, the coarser result is doubled (nearest) to the size
        of the stage output one stride finer, the two are concatenated and convolved. The map is
        2**fine_levels times finer than the ordinary one and is what the logit pools, so it stays
        exactly the evidence of the score.
        """
        outputs = []
        for module in self.features:
            if isinstance(module, nn.MaxPool2d):
                outputs.append(x)
            x = module(x)
        for level, mix in enumerate(self.decoder):
            skip = outputs[len(outputs) - 1 - level]
            x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
            x = mix(torch.cat([x, skip], dim=1))
        return x


def _dilated(layer: nn.Module, x: torch.Tensor, dilation: int) -> torch.Tensor:
    """A stride-1 layer applied on a grid `dilation` times finer than the one it was trained on."""
    if isinstance(layer, nn.Conv2d):
        padding = dilation * (layer.kernel_size[0] // 2)
        return F.conv2d(x, layer.weight, layer.bias, padding=padding, dilation=dilation)
    return layer(x)


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
        dense_levels: int = 0,
        fine_levels: int = 0,
    ) -> None:
        super().__init__(in_channels, widths, top_fraction, local_contrast_sigma, dense_levels, fine_levels)
