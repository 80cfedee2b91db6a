"""One seed for the whole course, so every rebuild prints the same numbers and draws
the same figures (STYLE.md, "Determinism")."""

from __future__ import annotations

import random

import numpy as np
import torch

SEED = 0


def seed_everything(seed: int = SEED, *, threads: int | None = 1) -> torch.Generator:
    """Seed Python's, numpy's and torch's generators; return a torch Generator seeded too,
    for code that wants its own stream (``random_split``, ``DataLoader(generator=...)``).

    It also runs torch on ``threads`` CPU threads (one by default). A sum split between
    threads is added in an order that depends on their number, so after a short training
    the weights differ in the 7th digit, enough to change which clip a network gets
    wrong: with one thread, a result no longer depends on the machine's core count
    (docs/ch4/training-loop.md, "Reproducibility"). ``threads=None`` keeps torch's count.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads is not None:
        torch.set_num_threads(threads)
    return torch.Generator().manual_seed(seed)
