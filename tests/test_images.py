"""audiodl.images: the sample photo loads as a (3, H, W) tensor in [0, 1]."""

import torch

from audiodl.images import load_photo


def test_photo_shape_and_range():
    x = load_photo()
    assert x.shape == (3, 600, 512) and x.dtype == torch.float32
    assert 0.0 <= x.min() < 0.1 and 0.9 < x.max() <= 1.0


def test_resize_gives_requested_height_and_width():
    assert load_photo((32, 48)).shape == (3, 32, 48)


def test_same_pixels_as_torchvision():
    from PIL import Image
    from torchvision.transforms.functional import pil_to_tensor

    from audiodl.images import photo_path

    with Image.open(photo_path()) as im:
        expected = pil_to_tensor(im.convert("RGB")).float() / 255.0
    assert torch.equal(load_photo(), expected)
