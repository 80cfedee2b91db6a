"""Non-negative matrix factorisation, the "basic sound structures" of chapter 3
(docs/ch3/neural-networks.md, section "audio-networks").

A magnitude spectrogram ``V`` (frequency bins x frames, all entries >= 0) is approximated
by ``W @ H``: the ``rank`` columns of ``W`` are spectral parts (a dictionary of spectra),
and each column of ``H`` says how strongly each part sounds in one frame. Both factors
stay non-negative, so a frame is built by *adding* parts, never by cancelling them.

The multiplicative updates of Lee and Seung: each step multiplies the factors by a ratio
of non-negative terms, which keeps them non-negative and never increases the cost
(Euclidean distance or the generalised Kullback-Leibler divergence).
"""

from __future__ import annotations

import torch

LOSSES = ("euclidean", "kl")


def nmf_loss(v: torch.Tensor, w: torch.Tensor, h: torch.Tensor, loss: str = "euclidean") -> float:
    """The cost that :func:`nmf` lowers: ``0.5 * ||V - WH||^2`` or the generalised
    Kullback-Leibler divergence ``sum(V log(V / WH) - V + WH)``."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    return _cost(v, w @ h, loss)


def _cost(v: torch.Tensor, wh: torch.Tensor, loss: str) -> float:
    if loss == "euclidean":
        return 0.5 * (v - wh).pow(2).sum().item()
    tiny = torch.finfo(v.dtype).tiny  # makes 0 * log(0 / wh) come out as 0
    return (v * torch.log((v + tiny) / (wh + tiny)) - v + wh).sum().item()


def nmf(
    v: torch.Tensor,
    rank: int,
    n_iter: int = 200,
    loss: str = "euclidean",
    seed: int = 0,
    eps: float = 1e-12,
) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """Factorise a non-negative matrix ``v`` (M, N) as ``w @ h`` with ``w`` (M, rank) and
    ``h`` (rank, N), both non-negative.

    The starting factors are drawn from a generator seeded with ``seed`` (on the CPU, then
    moved to ``v``'s device), so the result does not depend on the global random state.
    Returns ``w``, ``h`` and the cost before the first update and after every update
    (``n_iter + 1`` values, never increasing up to rounding).
    """
    if v.ndim != 2:
        raise ValueError(f"nmf expects a 2-D matrix, got shape {tuple(v.shape)}")
    if (v < 0).any():
        raise ValueError("nmf expects a non-negative matrix")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    if rank < 1:
        raise ValueError(f"rank must be at least 1, got {rank}")
    m, n = v.shape
    gen = torch.Generator().manual_seed(seed)
    # Scale the random start so that W @ H has about the mean of V.
    scale = (v.mean().item() / rank) ** 0.5
    w = (torch.rand(m, rank, generator=gen, dtype=v.dtype) * scale).to(v.device)
    h = (torch.rand(rank, n, generator=gen, dtype=v.dtype) * scale).to(v.device)
    wh = w @ h
    history = [_cost(v, wh, loss)]
    for _ in range(n_iter):
        if loss == "euclidean":
            h = h * (w.T @ v) / (w.T @ w @ h + eps)
            w = w * (v @ h.T) / (w @ (h @ h.T) + eps)
        else:
            h = h * (w.T @ (v / (wh + eps))) / (w.sum(dim=0)[:, None] + eps)
            w = w * ((v / (w @ h + eps)) @ h.T) / (h.sum(dim=1)[None, :] + eps)
        wh = w @ h
        history.append(_cost(v, wh, loss))
    return w, h, history
