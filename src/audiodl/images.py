"""The course's photo as a tensor (docs/ch3/conv.md, section "conv-image").

matplotlib ships a public-domain portrait of Grace Hopper, so the image chapters need
no download and no hard-coded path (the notes used a file on a Windows desktop).
"""

from __future__ import annotations

import matplotlib.cbook
import numpy as np
import torch
from PIL import Image


def photo_path() -> str:
    """Path of matplotlib's sample photo grace_hopper.jpg (512 x 600 pixels, RGB)."""
    return str(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def load_photo(size: tuple[int, int] | None = None) -> torch.Tensor:
    """The photo as a float tensor of shape (3, H, W) with values in [0, 1].

    ``size=(H, W)`` resizes it first (bilinear), e.g. ``(32, 32)`` for a CIFAR-sized input.
    """
    with Image.open(photo_path()) as im:
        im = im.convert("RGB")
        if size is not None:
            im = im.resize((size[1], size[0]), Image.BILINEAR)
        # numpy, not torchvision's pil_to_tensor: importing torchvision costs seconds.
        return torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1).float() / 255.0
