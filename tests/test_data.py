"""audiodl.data: the synthetic clips are reproducible and well-formed, and pad_collate
agrees with torch's own pad_sequence and works inside a DataLoader (with workers too)."""

import pickle

import pytest
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, random_split

from audiodl.audio import spectrogram
from audiodl.data import CLASSES, ClipDataset, pad_collate


def test_items_are_mono_float_clips_of_the_promised_lengths():
    ds = ClipDataset(n_clips=30, sr=8000, min_seconds=0.1, max_seconds=0.3)
    assert len(ds) == 30
    for i in range(len(ds)):
        wave, label = ds[i]
        assert wave.dtype == torch.float32 and wave.ndim == 2 and wave.shape[0] == 1
        assert 800 <= wave.shape[-1] <= 2400 and wave.shape[-1] == ds.lengths[i]
        assert wave.abs().max() <= 1.0 and wave.abs().max() > 0.1
        assert label in range(len(CLASSES))
    assert len(set(ds.lengths)) > 1, "clips should differ in length"


def test_classes_are_balanced():
    labels = ClipDataset(n_clips=60).labels
    assert [labels.count(k) for k in range(3)] == [20, 20, 20]


def test_same_seed_same_clips_other_seed_other_clips():
    a, b, c = ClipDataset(n_clips=6, seed=1), ClipDataset(n_clips=6, seed=1), ClipDataset(6, seed=2)
    for i in range(6):
        assert torch.equal(a[i][0], b[i][0]) and a[i][1] == b[i][1]
        assert torch.equal(a[i][0], a[i][0]), "an item must not change between calls"
    assert any(a.lengths[i] != c.lengths[i] for i in range(6))


def test_negative_and_out_of_range_indices():
    ds = ClipDataset(n_clips=4)
    assert torch.equal(ds[-1][0], ds[3][0])
    with pytest.raises(IndexError):
        ds[4]


def test_each_class_sounds_like_its_name():
    """A tone has one spectral peak at its frequency; noise spreads its energy out."""
    ds = ClipDataset(n_clips=30, sr=16_000)
    for i in range(len(ds)):
        wave, label = ds[i]
        power = spectrogram(wave[0], n_fft=1024, hop_length=256).mean(-1)
        peak_share = power.max() / power.sum()
        if CLASSES[label] == "tone":
            peak_hz = power.argmax().item() * 16_000 / 1024
            assert abs(peak_hz - ds.freqs[i][0]) < 16_000 / 1024
            assert peak_share > 0.3
        elif CLASSES[label] == "noise":
            assert peak_share < 0.05
        else:  # a chirp spreads its energy over the band it sweeps, at least an octave
            lo, hi = sorted(ds.freqs[i])
            assert hi / lo >= 2
            hz = torch.arange(power.numel()) * 16_000 / 1024
            in_band = power[(hz > lo - 50) & (hz < hi + 50)].sum() / power.sum()
            assert in_band > 0.95 and peak_share < 0.2


def test_too_low_sample_rate_is_refused():
    with pytest.raises(ValueError, match="8000"):
        ClipDataset(sr=4000)


def test_transform_is_applied():
    ds = ClipDataset(n_clips=3, transform=lambda w: w.mean(-1))
    assert ds[0][0].shape == (1,)


def test_pad_collate_matches_pad_sequence():
    ds = ClipDataset(n_clips=5)
    batch = [ds[i] for i in range(5)]
    waves, lengths, labels = pad_collate(batch)
    expected = pad_sequence([w[0] for w, _ in batch], batch_first=True).unsqueeze(1)
    assert torch.equal(waves, expected)
    assert lengths.tolist() == [w.shape[-1] for w, _ in batch] and lengths.dtype == torch.long
    assert labels.tolist() == [y for _, y in batch] and labels.dtype == torch.long


def test_pad_collate_keeps_channels():
    batch = [(torch.ones(2, 3), 0), (torch.ones(2, 5), 1)]
    waves, lengths, _ = pad_collate(batch)
    assert waves.shape == (2, 2, 5) and lengths.tolist() == [3, 5]
    assert waves[0, :, 3:].abs().sum() == 0


def test_pad_collate_rejects_empty_batch():
    with pytest.raises(ValueError):
        pad_collate([])


def test_dataloader_with_workers_gives_the_same_batches():
    ds = ClipDataset(n_clips=8)
    pickle.dumps(ds)  # workers started with spawn need a picklable dataset
    plain = list(DataLoader(ds, batch_size=4, collate_fn=pad_collate))
    workers = list(DataLoader(ds, batch_size=4, collate_fn=pad_collate, num_workers=2))
    for a, b in zip(plain, workers, strict=True):
        assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def test_random_split_with_a_generator_is_reproducible():
    ds = ClipDataset(n_clips=20)
    a = random_split(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(0))
    b = random_split(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in a] == [16, 4] and a[1].indices == b[1].indices
