"""Pilot for chapter 6's project (docs/ch6/connected-digits): how far a small CRNN trained
with CTC gets on audiodl.digit_strings within the chapter's CPU budget, before the page
is written. Not run by the build or the tests; run by hand, e.g.

    .venv/bin/python bench/ch6_pilot.py --folds 0 3 --seeds 0 1 2

For each fold (audiodl.digit_strings.speaker_folds: test speaker k, validation speaker
k + 1, four training speakers) and seed it trains on strings of the training speakers'
FSDD "train" takes (index 5-49) and reports the digit error rate (DER, greedy decoding)
and the whole-string accuracy on (a) strings by the fold's test speaker, never heard, and
(b) strings from the held-out takes (index 0-4) of the training speakers; the training
time and the process's peak memory. Quote ratios and rates, not seconds: the machine is
shared.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from audiodl.ctc import error_rate, greedy_decode
from audiodl.digit_strings import DigitStrings, collate_strings, feature_frames, speaker_folds
from audiodl.digits import log_mel, spec_augment

BLANK = 0  # class 0 is the blank, digit d is class d + 1


def normalise(spec: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
    """Each recording's bands to zero mean and unit variance over its real frames
    (B, n_mels, T); padding frames become 0."""
    mask = (torch.arange(spec.shape[-1])[None] < frames[:, None])[:, None, :]  # (B, 1, T)
    n = frames[:, None, None].to(spec.dtype)
    mean = (spec * mask).sum(-1, keepdim=True) / n
    var = ((spec - mean) ** 2 * mask).sum(-1, keepdim=True) / n
    return (spec - mean) / (var.sqrt() + 1e-5) * mask


def features(waves, wave_lengths):
    frames = feature_frames(wave_lengths)
    return normalise(log_mel(waves), frames), frames


class CRNN(nn.Module):
    """Two conv blocks (each halves frequency and time), a linear projection, a 2-layer
    bidirectional GRU, and a linear layer to 11 classes (blank + 10 digits)."""

    def __init__(self, n_mels=32, channels=32, hidden=96, layers=2, n_classes=11,
                 time_pool=(2, 2), dropout=0.1, conv1d=False):
        super().__init__()
        self.time_pool = time_pool
        self.conv1d = conv1d
        blocks, c_in = [], 1 if not conv1d else n_mels
        for pool in time_pool:
            if conv1d:  # the mel bands are the channels: far cheaper than 2-D convolution
                blocks += [nn.Conv1d(c_in, channels, 5, stride=pool, padding=2),
                           nn.BatchNorm1d(channels), nn.ReLU()]
            else:
                blocks += [nn.Conv2d(c_in, channels, 3, padding=1), nn.BatchNorm2d(channels),
                           nn.ReLU(), nn.MaxPool2d((2, pool))]
            c_in = channels
        self.conv = nn.Sequential(*blocks)
        width = channels if conv1d else channels * (n_mels // 2 ** len(time_pool))
        self.project = nn.Linear(width, hidden)
        self.gru = nn.GRU(hidden, hidden, num_layers=layers, bidirectional=True,
                          batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.out = nn.Linear(2 * hidden, n_classes)

    def out_frames(self, frames):
        for pool in self.time_pool:  # a strided conv (padding 2, kernel 5) rounds up
            frames = (torch.div(frames - 1, pool, rounding_mode="floor") + 1 if self.conv1d
                      else torch.div(frames, pool, rounding_mode="floor"))
        return frames

    def forward(self, x, frames):
        if self.conv1d:
            h = self.conv(x).transpose(1, 2)  # (B, T', C)
        else:
            h = self.conv(x[:, None]).flatten(1, 2).transpose(1, 2)  # (B, T', C F')
        h = self.project(h)  # (B, T', hidden)
        lengths = self.out_frames(frames)
        h = h[:, :int(lengths.max())]
        packed = pack_padded_sequence(h, lengths.clamp_min(1), batch_first=True,
                                      enforce_sorted=False)
        h, _ = pad_packed_sequence(self.gru(packed)[0], batch_first=True,
                                   total_length=h.shape[1])
        return self.out(h).log_softmax(-1), lengths


def batches(items, batch_size, generator=None):
    order = (torch.randperm(len(items), generator=generator) if generator is not None
             else torch.arange(len(items)))
    for start in range(0, len(items), batch_size):
        yield collate_strings([items[int(i)] for i in order[start:start + batch_size]])


def speed_perturb(wave, factor):
    """Resample a wave by linear interpolation: factor > 1 is faster and higher."""
    n = int(len(wave) / factor)
    return nn.functional.interpolate(wave[None, None], size=n, mode="linear",
                                     align_corners=False)[0, 0]


def evaluate(model, items, batch_size=64):
    model.eval()
    refs, hyps = [], []
    with torch.no_grad():
        for waves, wave_lengths, targets, target_lengths in batches(items, batch_size):
            x, frames = features(waves, wave_lengths)
            log_probs, lengths = model(x, frames)
            hyps += [[c - 1 for c in h] for h in greedy_decode(log_probs, lengths, BLANK)]
            refs += [t[:n].tolist() for t, n in zip(targets, target_lengths, strict=True)]
    der = error_rate(refs, hyps)
    acc = sum(r == h for r, h in zip(refs, hyps, strict=True)) / len(refs)
    return der, acc


def train(fold, seed, args):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    t0, c0 = time.perf_counter(), time.process_time()
    train_set = DigitStrings(fold.train, "train", args.train_strings, seed=1000 * seed + 1)
    items = [train_set[i] for i in range(len(train_set))]
    t_data = time.perf_counter() - t0
    model = CRNN(channels=args.channels, hidden=args.hidden, time_pool=tuple(args.time_pool),
                 conv1d=args.conv1d)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    steps = args.epochs * -(-len(items) // args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps,
                                                pct_start=0.15)
    ctc = nn.CTCLoss(blank=BLANK, zero_infinity=True)
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for waves, wave_lengths, targets, target_lengths in batches(items, args.batch_size, g):
            if args.speed:
                factors = 1 + args.speed * (2 * torch.rand(len(waves), generator=g) - 1)
                perturbed = [speed_perturb(w[:n], float(f))
                             for w, n, f in zip(waves, wave_lengths, factors, strict=True)]
                waves = nn.utils.rnn.pad_sequence(perturbed, batch_first=True)
                wave_lengths = torch.tensor([len(w) for w in perturbed])
            x, frames = features(waves, wave_lengths)
            if args.specaug:
                x = spec_augment(x[:, None], 4, 6, masks=2, generator=g)[:, 0]
            log_probs, lengths = model(x, frames)
            loss = ctc(log_probs.transpose(0, 1), targets.clamp_min(0) + 1, lengths,
                       target_lengths)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            total += float(loss.detach())
        if args.verbose:
            print(f"    epoch {epoch + 1}: loss {total / -(-len(items) // args.batch_size):.3f}"
                  f"  wall {time.perf_counter() - t0:.0f} s, CPU {time.process_time() - c0:.0f} s",
                  flush=True)
    # CPU seconds (all threads together): on a shared machine the wall clock mostly measures
    # the neighbours.
    t_train = time.process_time() - c0
    return model, t_data, t_train


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--folds", type=int, nargs="+", default=[0, 3])
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--train-strings", type=int, default=1000)
    p.add_argument("--test-strings", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--channels", type=int, default=32)
    p.add_argument("--hidden", type=int, default=96)
    p.add_argument("--time-pool", type=int, nargs="+", default=[2, 2])
    p.add_argument("--speed", type=float, default=0.0, help="speed perturbation, e.g. 0.1")
    p.add_argument("--specaug", action="store_true")
    p.add_argument("--conv1d", action="store_true", help="1-D conv front end (mels as channels)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(vars(args))
    rows = []
    folds = speaker_folds()
    for k in args.folds:
        fold = folds[k]
        unseen = DigitStrings(fold.test, "all", args.test_strings, seed=900_001)
        seen = DigitStrings(fold.train, "test", args.test_strings, seed=900_002)
        unseen_items = [unseen[i] for i in range(len(unseen))]
        seen_items = [seen[i] for i in range(len(seen))]
        for seed in args.seeds:
            model, t_data, t_train = train(fold, seed, args)
            t0 = time.perf_counter()
            der_u, acc_u = evaluate(model, unseen_items)
            der_s, acc_s = evaluate(model, seen_items)
            t_eval = time.perf_counter() - t0
            rows.append((fold.test[0], seed, der_u, acc_u, der_s, acc_s, t_train))
            print(f"fold {k} test={fold.test[0]:9s} seed {seed}: unseen DER {der_u:6.1%} "
                  f"acc {acc_u:6.1%} | seen-takes DER {der_s:6.1%} acc {acc_s:6.1%} | "
                  f"data {t_data:.1f} s wall, train {t_train:.1f} s CPU, "
                  f"eval {t_eval:.1f} s wall", flush=True)
    print("\nmean over runs (sample std, ddof=1):")
    for name, col in (("unseen DER", 2), ("unseen acc", 3), ("seen DER", 4), ("seen acc", 5),
                      ("train CPU s", 6)):
        vals = [r[col] for r in rows]
        sd = statistics.stdev(vals) if len(vals) > 1 else float("nan")
        print(f"  {name:10s} {statistics.mean(vals):.3f} ± {sd:.3f}")
    print(f"params {sum(p.numel() for p in model.parameters())}, peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
