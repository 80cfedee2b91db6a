"""audiodl.synth: deterministic, balanced, picklable clips of the right shape and range."""

import pickle

import torch

from audiodl.synth import CLASSES, SPLITS, SR, SynthSounds, item_seed, split, stack


def test_clip_shape_range_and_label():
    ds = SynthSounds(10, seed=0)
    for i in range(10):
        wave, label = ds[i]
        assert wave.shape == (1, SR) and wave.dtype == torch.float32
        assert wave.abs().max() <= 1.0 and wave.abs().max() > 0.01  # in range, not silent
        assert torch.isfinite(wave).all()
        assert label == i % len(CLASSES)


def test_clip_is_a_pure_function_of_seed_and_index():
    a, b = SynthSounds(10, seed=5), SynthSounds(10, seed=5)
    torch.manual_seed(123)  # the global generator must not matter
    first = a[7][0]
    torch.manual_seed(456)
    assert torch.equal(first, b[7][0])
    assert torch.equal(a[3][0], a[3][0])  # reading again, in any order, gives the same clip
    assert not torch.equal(a[7][0], SynthSounds(10, seed=6)[7][0])  # seed changes clips


def test_clips_do_not_depend_on_the_number_of_threads():
    ds, threads = SynthSounds(5, seed=1), torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = [ds[i][0] for i in range(5)]
        torch.set_num_threads(2)
        assert all(torch.equal(a, ds[i][0]) for i, a in enumerate(one))
    finally:
        torch.set_num_threads(threads)


def test_seeds_differ_beyond_32_bits():
    # torch keeps 32 bits of a seed; item_seed mixes (seed, index) so splits never collide
    assert item_seed(0, 1) != item_seed(1, 0)
    assert len({item_seed(s, i) for s in range(4) for i in range(100)}) == 400


def test_splits_are_fixed_balanced_and_disjoint():
    assert {name: size for name, (_, size) in SPLITS.items()} == {
        "train": 1000, "val": 250, "test": 500}
    assert len({seed for seed, _ in SPLITS.values()}) == 3
    ds = split("val")
    labels = torch.tensor([i % len(CLASSES) for i in range(len(ds))])
    assert labels.bincount().tolist() == [50] * 5
    wave, y = stack(SynthSounds(10, seed=SPLITS["test"][0]))
    assert wave.shape == (10, 1, SR) and y.tolist() == [0, 1, 2, 3, 4] * 2


def test_dataset_pickles_and_gives_the_same_clips():
    ds = SynthSounds(5, seed=3)
    back = pickle.loads(pickle.dumps(ds))
    assert torch.equal(back[4][0], ds[4][0])
