"""Output sizes of convolution and pooling layers (docs/ch3/conv.md, section "output-size";
docs/ch3/pooling.md, section "pool-output-size").

Along each spatial axis a layer with kernel size k, stride s, padding p and dilation d
turns a length n into

    floor((n + 2p - d(k - 1) - 1) / s) + 1

The notes' version, (n - k + 2p) / s + 1, is the case d = 1 without the floor. Pooling
uses the same formula, with two differences: the stride defaults to the kernel size, and
``ceil_mode=True`` rounds up instead of down, as long as the last window still starts
inside the input (or its left padding). ``tests/test_conv.py`` holds all three functions
against ``nn.Conv2d``, ``nn.ConvTranspose2d``, ``nn.MaxPool2d`` and ``nn.AvgPool2d``.

Plain Python, no torch: a size can be worked out before a layer exists.
"""

from __future__ import annotations

from collections.abc import Sequence

IntOrTuple = int | Sequence[int]


def _as_tuple(value: IntOrTuple, n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"{name} has {len(value)} values but the size has {n} axes")
    return value


def _per_axis(size, fn, **params):
    """Apply ``fn`` axis by axis; ints in give an int out, a tuple in gives a tuple out."""
    if isinstance(size, int):
        for name, value in params.items():
            if not isinstance(value, int) and len(tuple(value)) != 1:
                raise ValueError(f"{name}={value!r} has several axes but the size is an int")
        flat = {k: v if isinstance(v, int) else tuple(v)[0] for k, v in params.items()}
        return fn(size, **flat)
    size = tuple(size)
    axes = {k: _as_tuple(v, len(size), k) for k, v in params.items()}
    return tuple(
        fn(n, **{k: v[i] for k, v in axes.items()}) for i, n in enumerate(size)
    )


def _conv_1axis(n: int, kernel_size: int, stride: int, padding: int, dilation: int) -> int:
    if kernel_size < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError(
            "need kernel_size, stride, dilation >= 1 and padding >= 0, got "
            f"kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}"
        )
    span = dilation * (kernel_size - 1) + 1  # the kernel's extent, gaps included
    out = (n + 2 * padding - span) // stride + 1
    if out < 1:
        raise ValueError(
            f"input size {n} (+ 2 x padding {padding}) is smaller than the kernel's "
            f"extent {span}: the output would be empty"
        )
    return out


def conv_output_size(
    size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
) -> int | tuple[int, ...]:
    """Output length (int) or spatial shape (tuple) of ``nn.Conv1d/2d/3d``.

    ``size`` is the input's length, or its spatial shape such as ``(H, W)``; the other
    arguments are ints or tuples, as for the layer. ``padding`` may also be ``"valid"``
    (no padding) or ``"same"`` (output as large as the input; stride 1 only, as in torch).

    >>> conv_output_size(32, kernel_size=5, padding=2)
    32
    >>> conv_output_size((600, 512), kernel_size=2, padding=1)
    (601, 513)
    """
    if padding == "valid":
        padding = 0
    elif padding == "same":
        strides = (stride,) if isinstance(stride, int) else tuple(stride)
        if any(s != 1 for s in strides):
            raise ValueError("padding='same' needs stride 1 (as in torch)")
        return size if isinstance(size, int) else tuple(size)
    elif isinstance(padding, str):
        raise ValueError(f"padding must be an int, a tuple, 'valid' or 'same', not {padding!r}")
    return _per_axis(
        size, _conv_1axis,
        kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation,
    )


def _pool_1axis(
    n: int, kernel_size: int, stride: int, padding: int, dilation: int, ceil_mode: bool
) -> int:
    if kernel_size < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError(
            "need kernel_size, stride, dilation >= 1 and padding >= 0, got "
            f"kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}"
        )
    span = dilation * (kernel_size - 1) + 1
    if 2 * padding > kernel_size:  # torch's rule, for max and average pooling alike
        raise ValueError(f"padding {padding} is more than half the kernel size {kernel_size}")
    room = n + 2 * padding - span
    if room < 0:
        raise ValueError(f"input size {n} is smaller than the pooling window {span}")
    if ceil_mode:
        out = -(-room // stride) + 1  # ceil division
        # The last window must start inside the input or its left padding, not in the
        # right padding alone; otherwise it would see padding only and is dropped.
        if (out - 1) * stride >= n + padding:
            out -= 1
    else:
        out = room // stride + 1
    return out


def pool_output_size(
    size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
) -> int | tuple[int, ...]:
    """Output length or spatial shape of ``nn.MaxPool1d/2d/3d`` and ``nn.AvgPool1d/2d/3d``.

    As for the layers, ``stride`` defaults to ``kernel_size`` (windows side by side, no
    overlap). ``ceil_mode=True`` keeps a last, partial window at the edge. ``dilation``
    exists for max pooling only; leave it at 1 for average pooling.

    >>> pool_output_size((600, 512), kernel_size=2)
    (300, 256)
    >>> pool_output_size(5, kernel_size=2), pool_output_size(5, kernel_size=2, ceil_mode=True)
    (2, 3)
    """
    if stride is None:
        stride = kernel_size
    return _per_axis(
        size, _pool_1axis,
        kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation,
        ceil_mode=ceil_mode,
    )


def _conv_transpose_1axis(
    n: int, kernel_size: int, stride: int, padding: int, output_padding: int, dilation: int
) -> int:
    if output_padding >= max(stride, dilation):
        raise ValueError("output_padding must be smaller than stride or dilation (as in torch)")
    out = (n - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
    if out < 1:
        raise ValueError(f"the output would be empty (size {out})")
    return out


def conv_transpose_output_size(
    size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> int | tuple[int, ...]:
    """Output length or spatial shape of ``nn.ConvTranspose1d/2d/3d``:
    ``(n - 1)s - 2p + d(k - 1) + output_padding + 1``, the inverse of the convolution's
    size map (``output_padding`` picks among the sizes that the floor merged).

    >>> conv_transpose_output_size((8, 8), kernel_size=2, stride=2)
    (16, 16)
    """
    return _per_axis(
        size, _conv_transpose_1axis,
        kernel_size=kernel_size, stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation,
    )
