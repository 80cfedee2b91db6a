"""audiodl.ctc: collapsing and greedy decoding on hand-made alignments, the prefix beam
search against a brute-force sum over every alignment (itself held against nn.CTCLoss), and
the edit distance and error rate against jiwer (docs/ch6/ctc.md)."""

import itertools
import math
import random

import jiwer
import numpy as np
import pytest
import torch
from torch import nn

from audiodl.ctc import (
    beam_decode,
    beam_search,
    collapse,
    edit_distance,
    error_rate,
    greedy_decode,
)


def one_hot_log_probs(paths, n_classes, sure=0.9):
    """(B, T, C) log-probabilities whose most likely class in frame t is paths[b][t]."""
    x = torch.full((len(paths), len(paths[0]), n_classes), (1 - sure) / (n_classes - 1))
    for b, path in enumerate(paths):
        for t, c in enumerate(path):
            x[b, t, c] = sure
    return x.log()


def labelling_probs(log_probs, blank=0):
    """Every label sequence's probability: the sum over all C**T alignments collapsing to it."""
    frames, n_classes = log_probs.shape
    p = log_probs.double().exp()
    total: dict[tuple[int, ...], float] = {}
    for path in itertools.product(range(n_classes), repeat=frames):
        prob = math.prod(float(p[t, c]) for t, c in enumerate(path))
        key = tuple(collapse(path, blank))
        total[key] = total.get(key, 0.0) + prob
    return total


def test_collapse_merges_repeats_then_drops_blanks():
    assert collapse([3, 3, 0, 1, 0, 4, 4]) == [3, 1, 4]
    assert collapse([1, 1]) == [1]
    assert collapse([1, 0, 1]) == [1, 1]  # the blank keeps the two 1s apart
    assert collapse([0, 0, 0]) == []
    assert collapse([]) == []
    assert collapse([2, 2, 1, 0, 0, 1], blank=2) == [1, 0, 1]


def test_greedy_decode_hand_made_batch():
    paths = [[3, 3, 0, 1, 0, 4, 4], [0, 1, 1, 0, 1, 0, 0]]
    x = one_hot_log_probs(paths, n_classes=5)
    assert greedy_decode(x) == [[3, 1, 4], [1, 1]]
    # the padding frames after each length are ignored
    assert greedy_decode(x, lengths=[4, 2]) == [[3, 1], [1]]
    assert greedy_decode(x, lengths=torch.tensor([7, 0])) == [[3, 1, 4], []]
    # probabilities, logits and numpy arrays have the same per-frame maximum
    assert greedy_decode(x.exp().numpy()) == greedy_decode(x * 3 + 1) == [[3, 1, 4], [1, 1]]
    assert greedy_decode(one_hot_log_probs([[4, 4, 0, 4]], 5), blank=4) == [[0]]


@pytest.mark.parametrize("call, message", [
    (lambda: greedy_decode(torch.zeros(7, 5)), "(B, T, C)"),
    (lambda: greedy_decode(torch.zeros(2, 7, 5), lengths=[7]), "1 lengths"),
    (lambda: greedy_decode(torch.zeros(2, 7, 5), lengths=[7, 8]), "between 0"),
    (lambda: greedy_decode(torch.zeros(1, 7, 5), blank=5), "blank=5"),
    (lambda: greedy_decode(torch.full((1, 3, 4), math.nan)), "NaN"),
    (lambda: beam_search(torch.zeros(1, 7, 5)), "(T, C)"),
    (lambda: beam_search(torch.zeros(7, 5), beam_width=0), "beam_width"),
    (lambda: beam_decode(torch.zeros(7, 5)), "(B, T, C)"),
    # every recording empty: the settings are still checked, not silently ignored
    (lambda: beam_decode(torch.zeros(2, 7, 5), lengths=[0, 0], blank=5), "blank=5"),
    (lambda: beam_decode(torch.zeros(2, 7, 5), lengths=[0, 0], beam_width=0), "beam_width"),
])
def test_decoders_refuse_bad_input(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_brute_force_sum_is_nn_ctc_loss():
    # the enumeration the beam search is tested against agrees with PyTorch's forward pass
    torch.manual_seed(0)
    log_probs = torch.randn(4, 3).log_softmax(-1)
    probs = labelling_probs(log_probs)
    loss_fn = nn.CTCLoss(blank=0, reduction="sum")
    for label in ([1, 2], [1, 1], [2], [2, 1, 2]):
        loss = loss_fn(log_probs[:, None], torch.tensor([label]), torch.tensor([4]),
                       torch.tensor([len(label)]))
        assert -math.log(probs[tuple(label)]) == pytest.approx(float(loss), rel=1e-5)
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-6)  # float32 log_softmax


def test_beam_search_finds_the_labelling_greedy_misses():
    # two frames, blank 0.6 each: the best single path is "--" -> [] (0.36), but [1] has
    # three alignments "1-", "-1", "11": 0.24 + 0.24 + 0.16 = 0.64
    log_probs = torch.tensor([[0.6, 0.4], [0.6, 0.4]]).log()
    probs = labelling_probs(log_probs)
    assert probs[()] == pytest.approx(0.36) and probs[(1,)] == pytest.approx(0.64)
    assert greedy_decode(log_probs[None]) == [[]]
    assert beam_search(log_probs) == [1]
    # a beam of one keeps only "" after the first frame (0.6 > 0.4): it prunes the winner
    assert beam_search(log_probs, beam_width=1) == []


def test_wide_beam_search_is_exact_on_random_tiny_cases():
    # with a beam wider than the number of prefixes, nothing is pruned: the search must
    # return the most probable labelling of the brute-force enumeration
    gen = torch.Generator().manual_seed(0)
    differs = 0
    for _ in range(40):
        frames, n_classes = 5, 3
        log_probs = (2 * torch.randn(frames, n_classes, generator=gen)).log_softmax(-1)
        probs = labelling_probs(log_probs)
        best = max(probs, key=probs.get)
        assert beam_search(log_probs, beam_width=64) == list(best)
        differs += greedy_decode(log_probs[None]) != [list(best)]
        # the blank at another index: the same search with the classes relabelled
        order = [2, 0, 1]  # old class k becomes new class order[k]
        moved = torch.empty_like(log_probs)
        moved[:, order] = log_probs
        assert beam_search(moved, beam_width=64, blank=2) == [order[c] for c in best]
    assert differs > 0  # the cases include some where best path and best labelling differ


def test_beam_decode_is_beam_search_per_recording():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(3, 6, 4, generator=gen).log_softmax(-1)
    lengths = [6, 3, 0]
    assert beam_decode(x, lengths, beam_width=4) == [
        beam_search(x[0], 4), beam_search(x[1, :3], 4), []]


@pytest.mark.parametrize("ref, hyp, expected", [
    ("kitten", "sitting", (3, 2, 0, 1)),
    ([3, 1, 4], [3, 1, 4], (0, 0, 0, 0)),
    ([3, 1, 4], [], (3, 0, 3, 0)),
    ([], [2, 7], (2, 0, 0, 2)),
    ([3, 1, 4, 1, 5], [3, 4, 1, 5, 9], (2, 0, 1, 1)),
    ([3, 1, 4], [8, 1, 4, 4], (2, 1, 0, 1)),
    ("three one four".split(), "tree one for four".split(), (2, 1, 0, 1)),
])
def test_edit_distance_known_cases(ref, hyp, expected):
    assert edit_distance(ref, hyp) == expected


def random_digits(rng, low, high):
    return [rng.randrange(10) for _ in range(rng.randrange(low, high))]


def test_edit_distance_and_error_rate_are_jiwers():
    rng = random.Random(0)
    refs, hyps = [], []
    for _ in range(500):
        ref = random_digits(rng, 1, 9)
        # hypotheses near the reference (a few edits) and unrelated ones
        hyp = list(ref) if rng.random() < 0.7 else random_digits(rng, 0, 9)
        for _ in range(rng.randrange(4)):
            k = rng.randrange(len(hyp) + 1)
            op = rng.choice(["sub", "del", "ins"]) if hyp else "ins"
            if op == "ins":
                hyp.insert(k, rng.randrange(10))
            elif k < len(hyp):
                hyp[k:k + 1] = [] if op == "del" else [rng.randrange(10)]
        refs.append(ref)
        hyps.append(hyp)
        words = jiwer.process_words(" ".join(map(str, ref)), " ".join(map(str, hyp)))
        dist, subs, dels, ins = edit_distance(ref, hyp)
        assert (subs, dels, ins) == (words.substitutions, words.deletions, words.insertions)
        assert dist == subs + dels + ins
        assert dels - ins == len(ref) - len(hyp)
    ref_text = [" ".join(map(str, r)) for r in refs]
    hyp_text = [" ".join(map(str, h)) for h in hyps]
    assert error_rate(refs, hyps) == pytest.approx(jiwer.wer(ref_text, hyp_text), rel=1e-12)


def test_error_rate_is_total_edits_over_total_length():
    # 1 edit in 5 digits and 2 in 2: 3 / 7, not the mean of 0.2 and 1.0
    assert error_rate([[3, 1, 4, 1, 5], [2, 7]], [[3, 1, 4, 1], [7, 2]]) == pytest.approx(3 / 7)
    assert error_rate([[1]], [[1, 2, 3]]) == 2.0  # insertions can push it past 100 %
    assert error_rate(np.array([[1, 2]]), [[1, 2]]) == 0.0


@pytest.mark.parametrize("refs, hyps, message", [
    ("314", "314", "not one string"),
    ([[1, 2]], [[1], [2]], "1 references but 2"),
    ([[]], [[1]], "no items"),
])
def test_error_rate_refuses_bad_input(refs, hyps, message):
    with pytest.raises(ValueError, match=message):
        error_rate(refs, hyps)
