"""audiodl.string_models: the shapes and lengths the CTC loss relies on, the augmentations,
and that training and decoding keep each recording's own answer."""

import pytest
import torch
from torch import nn

from audiodl.digits import N_MELS
from audiodl.string_models import (
    BLANK,
    CRNN,
    ConvFrontEnd,
    TransformerCTC,
    batches,
    score,
    sinusoidal_positions,
    stretch_time,
    string_features,
    train_ctc,
    transcribe,
    warp_bands,
)


@pytest.mark.parametrize("frames", [1, 2, 3, 4, 5, 17, 200])
def test_front_end_lengths_match_its_output(frames):
    front = ConvFrontEnd().eval()
    h, lengths = front(torch.randn(1, frames, N_MELS), torch.tensor([frames]))
    assert h.shape[1] == int(lengths[0]) == -(-frames // 4)


@pytest.mark.parametrize("make", [CRNN, TransformerCTC])
def test_models_give_log_probabilities_per_output_frame(make):
    torch.manual_seed(0)
    model = make().eval()
    lengths = torch.tensor([40, 23])
    x = torch.randn(2, 40, N_MELS)
    x[1, 23:] = 0  # padding, as batches() makes it
    log_probs, out = model(x, lengths)
    assert log_probs.shape == (2, 10, 11)
    assert out.tolist() == [10, 6]
    assert torch.allclose(log_probs.exp().sum(-1), torch.ones(2, 10), atol=1e-5)
    # Padding must not change a recording's output: the short one alone gives the same.
    alone, _ = model(x[1:, :23], lengths[1:])
    assert torch.allclose(alone[0], log_probs[1, :6], atol=1e-5)


def test_string_features_normalise_each_band():
    torch.manual_seed(0)
    x = string_features(torch.randn(8000))
    assert x.shape[1] == N_MELS
    assert torch.allclose(x.mean(0), torch.zeros(N_MELS), atol=1e-4)
    assert torch.allclose(x.std(0, correction=0), torch.ones(N_MELS), atol=1e-3)
    assert torch.isfinite(string_features(torch.zeros(4000))).all()  # silence: no NaN
    with pytest.raises(ValueError):
        string_features(torch.tensor([0.0, float("nan")] * 1000))


def test_warp_and_stretch():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 50, N_MELS)
    assert torch.allclose(warp_bands(x, g, 0.0), x)
    warped = warp_bands(x, g, 0.2)
    assert warped.shape == x.shape and not torch.allclose(warped, x)
    y, lengths = stretch_time(x, torch.tensor([50, 30, 1]), g, 0.2)
    assert y.shape[0] == 3 and y.shape[2] == N_MELS
    factor = y.shape[1] / 50
    assert 0.8 <= factor <= 1.2
    assert lengths[0] == y.shape[1] and 1 <= lengths[2] <= lengths[1] < lengths[0]


def test_sinusoidal_positions():
    pe = sinusoidal_positions(5, 4)
    assert torch.allclose(pe[:, 0], torch.sin(torch.arange(5.0)))
    assert torch.allclose(pe[:, 3], torch.cos(torch.arange(5.0) / 100))


def _toy_strings(n, seed):
    """Digits as short bursts of one 'band' each, with silence between: learnable in a
    few epochs."""
    g = torch.Generator().manual_seed(seed)
    items = []
    for _ in range(n):
        digits = torch.randint(0, 10, (int(torch.randint(1, 4, (1,), generator=g)),),
                               generator=g)
        frames = [torch.zeros(6, N_MELS)]
        for d in digits.tolist():
            burst = torch.zeros(12, N_MELS)
            burst[:, 3 * d:3 * d + 3] = 3.0
            frames += [burst, torch.zeros(6, N_MELS)]
        items.append((torch.cat(frames) + 0.1 * torch.randn(
            sum(len(f) for f in frames), N_MELS, generator=g), digits))
    return items


def test_training_learns_and_keeps_each_answer_in_place():
    torch.manual_seed(0)
    train, val = _toy_strings(200, 0), _toy_strings(40, 1)
    model = CRNN(channels=32, hidden=32)
    result = train_ctc(model, train, val, epochs=8, seed=0, warp=0.0, lr=1e-2)
    assert len(result.losses) == len(result.val_der) == 8
    assert result.val_der[result.best_epoch - 1] == min(result.val_der)
    der, exact, heard = score(model, val)
    assert der == result.val_der[result.best_epoch - 1]
    assert der < 0.2 and result.losses[-1] < result.losses[0] / 3
    # transcribe sorts by length inside; each answer must come back to its own recording.
    backwards = transcribe(model, [x for x, _ in val][::-1], batch_size=7)
    assert backwards == heard[::-1]


def test_training_without_validation_keeps_the_last_epoch_and_checks_arguments():
    train = _toy_strings(20, 0)
    seen = []
    result = train_ctc(CRNN(channels=8, hidden=8), train, None, epochs=2, seed=0,
                       on_epoch=lambda epoch, model: seen.append(epoch))
    assert result.best_epoch == 2 and result.val_der == [] and seen == [1, 2]
    with pytest.raises(ValueError, match="validation is empty"):
        train_ctc(CRNN(), train, [], epochs=1, seed=0)
    with pytest.raises(ValueError, match="training string"):
        train_ctc(CRNN(), [], None, epochs=1, seed=0)
    with pytest.raises(ValueError, match="epochs"):
        train_ctc(CRNN(), train, None, epochs=0, seed=0)


def test_batches_pad_targets_with_minus_one():
    items = _toy_strings(5, 3)
    seen = 0
    for x, lengths, targets, target_lengths in batches(items, 2):
        assert x.shape[0] == len(lengths) == len(targets)
        for t, n in zip(targets, target_lengths, strict=True):
            assert (t[n:] == -1).all() and (t[:n] >= 0).all()
        seen += len(lengths)
    assert seen == 5
    assert BLANK == 0 and nn.CTCLoss().blank == BLANK
