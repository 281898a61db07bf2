"""A test architecture (loaded by workers through INFERENCE_ARCHITECTURE_MODULES) that kills its own process.

It has the demo breast model's layers, so the demo weights load into it; its forward pass sends
SIGKILL to the worker process running it, every time: a poison study.
"""

import os
import signal

import torch

from inference.architectures import MammographyViewNet, architecture_register


@architecture_register("test_poison_camnet")
class PoisonNet(MammographyViewNet):
    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")
