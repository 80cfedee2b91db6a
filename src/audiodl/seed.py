"""One seed for the whole course, so every rebuild prints the same numbers and draws
the same figures (STYLE.md, "Determinism")."""

from __future__ import annotations

import random

import numpy as np
import torch

SEED = 0


def seed_everything(seed: int = SEED) -> torch.Generator:
    """Seed Python's, numpy's and torch's generators; return a torch Generator seeded too,
    for code that wants its own stream (``random_split``, ``DataLoader(generator=...)``)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
