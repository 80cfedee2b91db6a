"""audiodl.conv held against the layers themselves: a seeded sweep of kernel sizes,
strides, paddings, dilations and input sizes, run through nn.Conv1d/2d/3d,
nn.ConvTranspose2d, nn.MaxPool2d and nn.AvgPool2d on the meta device (shapes only,
no arithmetic, so hundreds of settings take a fraction of a second)."""

import random

import pytest
import torch
from torch import nn

from audiodl.conv import conv_output_size, conv_transpose_output_size, pool_output_size

META = torch.device("meta")


def conv_settings(n_cases, seed):
    """Random (H, W, k, s, p, d) per axis that give a non-empty output."""
    rng = random.Random(seed)
    cases = []
    while len(cases) < n_cases:
        k, s, p, d = rng.randint(1, 7), rng.randint(1, 4), rng.randint(0, 4), rng.randint(1, 3)
        span = d * (k - 1) + 1
        h = rng.randint(max(1, span - 2 * p), 64)
        w = rng.randint(max(1, span - 2 * p), 64)
        cases.append((h, w, k, s, p, d))
    return cases


def test_conv2d_square_kernel():
    for h, w, k, s, p, d in conv_settings(400, seed=0):
        layer = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, device=META)
        out = layer(torch.empty(1, 1, h, w, device=META))
        assert conv_output_size((h, w), k, s, p, d) == tuple(out.shape[-2:]), layer


def test_conv2d_per_axis_tuples():
    rng = random.Random(1)
    for _ in range(300):
        k = (rng.randint(1, 6), rng.randint(1, 6))
        s = (rng.randint(1, 3), rng.randint(1, 3))
        p = (rng.randint(0, 3), rng.randint(0, 3))
        d = (rng.randint(1, 3), rng.randint(1, 3))
        size = tuple(
            rng.randint(max(1, d[i] * (k[i] - 1) + 1 - 2 * p[i]), 50) for i in range(2)
        )
        layer = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, device=META)
        out = layer(torch.empty(1, 1, *size, device=META))
        assert conv_output_size(size, k, s, p, d) == tuple(out.shape[-2:]), (size, k, s, p, d)


def test_conv1d_and_conv3d():
    for h, w, k, s, p, d in conv_settings(100, seed=2):
        out1 = nn.Conv1d(1, 1, k, s, p, d, device=META)(torch.empty(1, 1, h, device=META))
        assert conv_output_size(h, k, s, p, d) == out1.shape[-1]
        size = (h % 9 + d * (k - 1) + 1, h, w)
        out3 = nn.Conv3d(1, 1, k, s, p, d, device=META)(torch.empty(1, 1, *size, device=META))
        assert conv_output_size(size, k, s, p, d) == tuple(out3.shape[-3:])


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_string_padding(padding):
    for k, d in [(1, 1), (3, 1), (4, 1), (5, 2), (2, 3)]:
        layer = nn.Conv2d(1, 1, k, padding=padding, dilation=d, device=META)
        out = layer(torch.empty(1, 1, 20, 17, device=META))
        assert conv_output_size((20, 17), k, padding=padding, dilation=d) == out.shape[-2:]


def test_same_padding_needs_stride_one():
    with pytest.raises(ValueError, match="stride 1"):
        conv_output_size(32, 3, stride=2, padding="same")


def test_ints_in_int_out_tuples_in_tuple_out():
    assert conv_output_size(32, 3) == 30
    assert conv_output_size((32,), 3) == (30,)
    assert conv_output_size((600, 512), 2, padding=1) == (601, 513)
    assert conv_output_size((32, 32), (3, 5), padding=(1, 2)) == (32, 32)


def test_floor_where_the_notes_formula_gives_a_fraction():
    # (8 - 3 + 0) / 2 + 1 = 3.5 in the notes' formula; the layer gives 3
    assert conv_output_size(8, 3, stride=2) == 3


def test_empty_output_is_a_clear_error():
    with pytest.raises(ValueError, match="smaller than the kernel"):
        conv_output_size(4, 5)
    with pytest.raises(ValueError, match="axes"):
        conv_output_size((4, 4), (3, 3, 3))


def pool_settings(n_cases, seed):
    rng = random.Random(seed)
    cases = []
    while len(cases) < n_cases:
        k = rng.randint(1, 6)
        s = rng.choice([None, 1, 2, 3, 4])
        p = rng.randint(0, k // 2)  # torch allows at most half the kernel
        ceil = rng.random() < 0.5
        h = rng.randint(max(1, k - 2 * p), 40)
        w = rng.randint(max(1, k - 2 * p), 40)
        cases.append((h, w, k, s, p, ceil))
    return cases


def test_maxpool_and_avgpool():
    for h, w, k, s, p, ceil in pool_settings(400, seed=3):
        expected = pool_output_size((h, w), k, s, p, ceil_mode=ceil)
        x = torch.empty(1, 1, h, w, device=META)
        for layer in (nn.MaxPool2d(k, s, p, ceil_mode=ceil),
                      nn.AvgPool2d(k, s, p, ceil_mode=ceil)):
            assert expected == tuple(layer(x).shape[-2:]), (h, w, layer)


def test_maxpool_with_dilation():
    rng = random.Random(4)
    for _ in range(300):
        k, d, s = rng.randint(1, 5), rng.randint(1, 3), rng.randint(1, 3)
        span = d * (k - 1) + 1
        p = rng.randint(0, k // 2)
        ceil = rng.random() < 0.5
        h = rng.randint(max(1, span - 2 * p), 40)
        layer = nn.MaxPool2d(k, s, p, dilation=d, ceil_mode=ceil)
        out = layer(torch.zeros(1, 1, h, h))  # meta lacks dilated max pooling
        assert pool_output_size((h, h), k, s, p, d, ceil) == tuple(out.shape[-2:]), layer


@pytest.mark.parametrize(
    "n, k, s, p, floor_size, ceil_size",
    [
        (5, 2, None, 0, 2, 3),  # a last half window: kept only by ceil_mode
        (6, 2, None, 0, 3, 3),  # windows fit exactly: both modes agree
        (5, 2, 2, 1, 3, 3),  # ceil would give 4, but the 4th window starts in the padding
        (7, 3, 2, 1, 4, 4),
        (10, 3, 3, 0, 3, 4),
        (1, 1, 2, 0, 1, 1),
    ],
)
def test_ceil_mode_edge_cases(n, k, s, p, floor_size, ceil_size):
    assert pool_output_size(n, k, s, p) == floor_size
    assert pool_output_size(n, k, s, p, ceil_mode=True) == ceil_size
    for ceil, size in [(False, floor_size), (True, ceil_size)]:
        layer = nn.MaxPool1d(k, s, p, ceil_mode=ceil)
        assert layer(torch.zeros(1, 1, n)).shape[-1] == size


def test_pool_stride_defaults_to_kernel_size():
    assert pool_output_size((600, 512), 2) == (300, 256)
    assert nn.MaxPool2d(2).stride == 2


def test_pool_padding_over_half_the_kernel_is_an_error():
    with pytest.raises(ValueError, match="half"):
        pool_output_size(10, 2, padding=2)


def test_conv_transpose2d():
    """Every setting either gives torch's size or is refused by both (an empty output)."""
    rng = random.Random(5)
    checked = refused = 0
    for _ in range(300):
        k, s, d = rng.randint(1, 5), rng.randint(1, 4), rng.randint(1, 3)
        p = rng.randint(0, 2)
        op = rng.randint(0, max(s, d) - 1)
        h = rng.randint(1, 20)
        layer = nn.ConvTranspose2d(1, 1, k, s, p, op, dilation=d, device=META)
        x = torch.empty(1, 1, h, h + 1, device=META)
        try:
            expected = conv_transpose_output_size((h, h + 1), k, s, p, op, d)
        except ValueError as err:
            assert "empty" in str(err), err
            with pytest.raises(RuntimeError):
                layer(x)
            refused += 1
            continue
        assert expected == tuple(layer(x).shape[-2:]), layer
        checked += 1
    # This seed's sweep: 296 sizes compared, 4 empty outputs refused by both.
    assert (checked, refused) == (296, 4)


def test_conv_transpose_undoes_the_size_map_of_a_strided_conv():
    for n in range(4, 40):
        m = conv_output_size(n, 3, stride=2, padding=1)
        back = conv_transpose_output_size(m, 3, stride=2, padding=1, output_padding=(n + 1) % 2)
        assert back == n
