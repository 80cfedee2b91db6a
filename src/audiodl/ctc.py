"""Connectionist temporal classification (CTC): turning a network's per-frame outputs into
a label sequence, and scoring that sequence against the truth (docs/ch6/ctc.md).

- :func:`collapse` maps one alignment (a label, or the blank, per frame) to the label
  sequence it stands for: merge repeated labels, then drop the blanks.
- :func:`greedy_decode` (best path) takes the most likely class in every frame and
  collapses; :func:`beam_search` (CTC prefix beam search, in log space, no language model)
  looks for the label sequence whose alignments together are most probable, which is what
  the CTC loss trains for; :func:`beam_decode` runs it over a batch.
- :func:`edit_distance` counts the substitutions, deletions and insertions that turn a
  reference into a hypothesis; :func:`error_rate` is the word (or digit) error rate of a
  whole test set: total edits over total reference length.

Shapes: the decoders take a batch **batch-first**, ``(B, T, C)`` (``B`` recordings, ``T``
frames, ``C`` classes with the blank among them, index 0 by default), as a model that ends
in ``nn.Linear`` gives it. ``nn.CTCLoss`` wants ``(T, B, C)``: transpose for the loss
(``log_probs.transpose(0, 1)``), not for these functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["beam_decode", "beam_search", "collapse", "edit_distance", "error_rate",
           "greedy_decode"]


def collapse(path: Sequence[int], blank: int = 0) -> list[int]:
    """The label sequence an alignment stands for: merge runs of the same class into one,
    then drop the blanks (``[3, 3, 0, 1, 0, 4, 4]`` -> ``[3, 1, 4]`` with blank 0). A blank
    between two equal labels keeps them apart: ``[1, 0, 1]`` -> ``[1, 1]``, while
    ``[1, 1]`` -> ``[1]``."""
    out: list[int] = []
    previous = None
    for c in path:
        c = int(c)
        if c != previous and c != blank:
            out.append(c)
        previous = c
    return out


def _as_scores(scores, dims: int, what: str) -> torch.Tensor:
    x = torch.as_tensor(scores)
    if x.dim() != dims:
        shape = "(B, T, C) batch-first" if dims == 3 else "(T, C)"
        raise ValueError(f"{what} takes scores of shape {shape}, got shape {tuple(x.shape)}"
                         + (" (transpose nn.CTCLoss's (T, B, C) with .transpose(0, 1))"
                            if dims == 3 else ""))
    if x.shape[-1] < 2:
        raise ValueError(f"{what}: the last axis holds the classes, the blank among them; "
                         f"got {x.shape[-1]} class(es)")
    # -inf (a log-probability of 0) is fine; NaN or +inf is not.
    if x.is_floating_point() and (torch.isnan(x).any() or (x == math.inf).any()):
        raise ValueError(f"{what}: the scores hold NaN or +inf; check the model's output")
    return x


def _check_blank(blank: int, n_classes: int, what: str) -> None:
    if not 0 <= blank < n_classes:
        raise ValueError(f"{what}: blank={blank} is not a class index (0 to {n_classes - 1})")


def _check_beam_width(beam_width, what: str) -> None:
    if isinstance(beam_width, bool) or not (isinstance(beam_width, int) and beam_width >= 1):
        raise ValueError(f"{what}: beam_width must be a whole number >= 1, got {beam_width!r}")


def _lengths(lengths, batch: int, frames: int, what: str) -> list[int]:
    if lengths is None:
        return [frames] * batch
    n = [int(v) for v in torch.as_tensor(lengths).reshape(-1).tolist()]
    if len(n) != batch:
        raise ValueError(f"{what}: {len(n)} lengths for a batch of {batch}")
    if any(not 0 <= v <= frames for v in n):
        raise ValueError(f"{what}: every length must lie between 0 and the {frames} frames, "
                         f"got {n}")
    return n


def greedy_decode(log_probs, lengths=None, blank: int = 0) -> list[list[int]]:
    """Best-path decoding of a batch ``(B, T, C)`` (batch-first): the most likely class in
    every frame, collapsed (:func:`collapse`). ``lengths`` (B,) gives each recording's number
    of real frames (the rest is padding and ignored); by default all ``T`` count. Any scores
    with the same per-frame maximum work: log-probabilities, probabilities or logits."""
    x = _as_scores(log_probs, 3, "greedy_decode")
    _check_blank(blank, x.shape[-1], "greedy_decode")
    n = _lengths(lengths, x.shape[0], x.shape[1], "greedy_decode")
    best = x.argmax(dim=-1).tolist()
    return [collapse(path[:t], blank) for path, t in zip(best, n, strict=True)]


def _logsumexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


def beam_search(log_probs, beam_width: int = 8, blank: int = 0) -> list[int]:
    """CTC prefix beam search over one recording's log-probabilities ``(T, C)``: the label
    sequence (up to the beam's pruning) with the largest probability summed over all its
    alignments, with no language model.

    Each kept prefix carries two log-probabilities: of its alignments so far that end in a
    blank, and of those that end in its last label. A frame extends every prefix by the
    blank (same prefix), by its last label again (merged: same prefix, unless a blank came
    between) or by another label (a longer prefix); alignments that reach the same prefix
    are summed, and only the ``beam_width`` most probable prefixes go on. With a beam as
    wide as the number of possible prefixes the search is exact."""
    x = _as_scores(log_probs, 2, "beam_search")
    n_classes = x.shape[-1]
    _check_blank(blank, n_classes, "beam_search")
    _check_beam_width(beam_width, "beam_search")
    frames = x.double().tolist()
    labels = [c for c in range(n_classes) if c != blank]
    # prefix -> [log P(alignments ending in blank), log P(... ending in the last label)]
    beams: dict[tuple[int, ...], list[float]] = {(): [0.0, -math.inf]}
    for lp in frames:
        grown: dict[tuple[int, ...], list[float]] = {}

        def add(prefix, which, value, grown=grown):
            slot = grown.setdefault(prefix, [-math.inf, -math.inf])
            slot[which] = _logsumexp(slot[which], value)

        for prefix, (p_blank, p_label) in beams.items():
            p_total = _logsumexp(p_blank, p_label)
            add(prefix, 0, p_total + lp[blank])
            for c in labels:
                if prefix and prefix[-1] == c:
                    add(prefix, 1, p_label + lp[c])  # "a a": merged, same prefix
                    add(prefix + (c,), 1, p_blank + lp[c])  # "a - a": a second a
                else:
                    add(prefix + (c,), 1, p_total + lp[c])
        # most probable first; equal scores in a fixed order (shorter, then smaller labels)
        ranked = sorted(grown.items(), key=lambda kv: (-_logsumexp(*kv[1]), len(kv[0]), kv[0]))
        beams = dict(ranked[:beam_width])
    best = max(beams.items(), key=lambda kv: (_logsumexp(*kv[1]), -len(kv[0])))
    return list(best[0])


def beam_decode(log_probs, lengths=None, beam_width: int = 8,
                blank: int = 0) -> list[list[int]]:
    """:func:`beam_search` for each recording of a batch ``(B, T, C)`` (batch-first), over
    its first ``lengths[b]`` frames (all ``T`` by default), like :func:`greedy_decode`."""
    x = _as_scores(log_probs, 3, "beam_decode")
    # checked here too, so that a batch of empty recordings still refuses bad settings
    _check_blank(blank, x.shape[-1], "beam_decode")
    _check_beam_width(beam_width, "beam_decode")
    n = _lengths(lengths, x.shape[0], x.shape[1], "beam_decode")
    return [beam_search(x[b, :t], beam_width, blank) if t else []
            for b, t in enumerate(n)]


def edit_distance(ref: Sequence, hyp: Sequence) -> tuple[int, int, int, int]:
    """The edit (Levenshtein) distance from ``ref`` to ``hyp`` and how one optimal alignment
    makes it up: ``(distance, substitutions, deletions, insertions)``, with
    ``distance == S + D + I``. A deletion is a reference item missing from the hypothesis,
    an insertion a hypothesis item the reference lacks. Items are compared with ``==``:
    pass lists of words, of digits, or a string for its characters.

    ``d[i][j]``, the distance between the first ``i`` items of ``ref`` and the first ``j``
    of ``hyp``, is the least of ``d[i-1][j-1]`` (+1 unless the items match),
    ``d[i-1][j] + 1`` (delete) and ``d[i][j-1] + 1`` (insert).

    Several alignments can be optimal (``[1, 2]`` -> ``[2, 1]``: two substitutions, or a
    deletion and an insertion), and they split the distance differently. This one is the
    alignment rapidfuzz, and so jiwer, reports (tests/test_ctc.py holds them equal): the
    common beginning and end are matched first; then, walking back from the last cell,
    a deletion is taken where it is optimal, else a substitution, else an insertion, and a
    match only where no edit is optimal."""
    ref, hyp = list(ref), list(hyp)
    start = 0
    while start < min(len(ref), len(hyp)) and ref[start] == hyp[start]:
        start += 1
    ref, hyp = ref[start:], hyp[start:]
    end = 0
    while end < min(len(ref), len(hyp)) and ref[-1 - end] == hyp[-1 - end]:
        end += 1
    ref, hyp = ref[:len(ref) - end], hyp[:len(hyp) - end]
    n, m = len(ref), len(hyp)
    d = np.zeros((n + 1, m + 1), dtype=np.int64)
    d[:, 0] = np.arange(n + 1)
    d[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]),
                          d[i - 1, j] + 1, d[i, j - 1] + 1)
    subs = dels = ins = 0
    i, j = n, m
    while i or j:
        if i and d[i, j] == d[i - 1, j] + 1:
            dels, i = dels + 1, i - 1
        elif i and j and ref[i - 1] != hyp[j - 1] and d[i, j] == d[i - 1, j - 1] + 1:
            subs, i, j = subs + 1, i - 1, j - 1
        elif j and d[i, j] == d[i, j - 1] + 1:
            ins, j = ins + 1, j - 1
        else:  # a match, the only optimal step left
            i, j = i - 1, j - 1
    return int(d[n, m]), subs, dels, ins


def error_rate(refs: Sequence[Sequence], hyps: Sequence[Sequence]) -> float:
    """Total edits over total reference length across a test set: the word error rate for
    lists of words, the digit error rate for digit sequences, ``(S + D + I) / N``. It is
    not the mean of each pair's rate (a long reference weighs more), and it can exceed 1
    (a hypothesis with many insertions)."""
    if isinstance(refs, str) or isinstance(hyps, str):
        raise ValueError("error_rate takes a list of references and a list of hypotheses "
                         "(e.g. [[3, 1, 4], [1, 5]]), not one string; for one pair use "
                         "error_rate([ref], [hyp])")
    refs, hyps = list(refs), list(hyps)
    if len(refs) != len(hyps):
        raise ValueError(f"error_rate: {len(refs)} references but {len(hyps)} hypotheses")
    total = sum(len(r) for r in refs)
    if total == 0:
        raise ValueError("error_rate: the references hold no items, so the rate is undefined")
    return sum(edit_distance(r, h)[0] for r, h in zip(refs, hyps, strict=True)) / total
