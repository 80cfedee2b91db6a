"""audiodl.audio held against numpy's FFT, soundfile, and round trips through a file."""

import wave as wave_module

import numpy as np
import pytest
import soundfile
import torch

from audiodl.audio import SPEECH_SR, load_speech, load_wav, save_wav, spectrogram, to_db


def test_speech_sample_is_mono_16k_and_not_silent():
    wave, sr = load_speech()
    assert sr == SPEECH_SR and wave.shape[0] == 1 and wave.shape[1] > sr  # over a second
    assert wave.abs().max() > 0.1 and wave.abs().max() <= 1.0


def test_wav_round_trip(tmp_path):
    t = torch.arange(1600) / 16000
    left, right = 0.5 * torch.sin(2 * torch.pi * 440 * t), 0.25 * torch.cos(2 * torch.pi * 220 * t)
    wave = torch.stack([left, right])
    back, sr = load_wav(save_wav(tmp_path / "x.wav", wave, 16000))
    assert sr == 16000 and back.shape == wave.shape
    assert torch.allclose(back, wave, atol=0.5 / 32768)  # half a 16-bit step at most


def _write_pcm16(path, pcm: np.ndarray, sr: int = 8000):
    with wave_module.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(sr)
        f.writeframes(pcm.astype("<i2").tobytes())
    return path


def test_every_int16_value_survives_load_then_save(tmp_path):
    pcm = np.arange(-32768, 32768).astype(np.int16)
    wave, sr = load_wav(_write_pcm16(tmp_path / "all.wav", pcm))
    assert wave.min() == -1.0 and wave.max() == 32767 / 32768  # k / 32768, in [-1, 1)
    saved = save_wav(tmp_path / "again.wav", wave[0], sr)
    assert saved.read_bytes() == (tmp_path / "all.wav").read_bytes()


def test_load_wav_reads_what_soundfile_reads(tmp_path):
    pcm = np.array([-32768, -12345, -1, 0, 1, 12345, 32767], dtype=np.int16)
    path = _write_pcm16(tmp_path / "x.wav", pcm)
    theirs, _ = soundfile.read(path, dtype="float32")
    assert torch.equal(load_wav(path)[0][0], torch.from_numpy(theirs))


def test_save_wav_clips_full_scale_like_soundfile(tmp_path):
    wave = torch.tensor([1.0, -1.0, 1.5, -1.5, 0.5])
    ours, _ = soundfile.read(save_wav(tmp_path / "ours.wav", wave, 8000), dtype="int16")
    soundfile.write(tmp_path / "theirs.wav", wave.numpy(), 8000, subtype="PCM_16")
    theirs, _ = soundfile.read(tmp_path / "theirs.wav", dtype="int16")
    assert ours.tolist() == theirs.tolist() == [32767, -32768, 32767, -32768, 16384]


def test_save_wav_rejects_nan_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match=r"x\.wav: the waveform has NaN or infinite samples"):
        save_wav(tmp_path / "x.wav", torch.tensor([0.0, float("nan")]), 8000)
    assert not (tmp_path / "x.wav").exists()


def test_spectrogram_matches_numpy_fft_of_one_frame():
    gen = torch.Generator().manual_seed(0)
    wave = torch.randn(2, 4000, generator=gen, dtype=torch.float64)
    spec = spectrogram(wave, n_fft=256, hop_length=64)
    assert spec.shape == (2, 129, 4000 // 64 + 1)
    # Frame 10 starts at 10 * hop - n_fft / 2 (torch.stft centres frames, reflect padding).
    start = 10 * 64 - 128
    frame = wave[1, start : start + 256].numpy() * np.hanning(257)[:-1]  # periodic Hann
    expected = np.abs(np.fft.rfft(frame)) ** 2
    np.testing.assert_allclose(spec[1, :, 10].numpy(), expected, rtol=1e-9, atol=1e-9)


def test_pure_tone_peaks_in_its_bin():
    sr, f0, n_fft = 16000, 1000.0, 512
    t = torch.arange(sr) / sr
    spec = spectrogram(torch.sin(2 * torch.pi * f0 * t), n_fft=n_fft)
    assert spec.mean(dim=-1).argmax().item() == round(f0 * n_fft / sr)


def test_to_db_clips_to_top_db():
    db = to_db(torch.tensor([1.0, 1e-3, 1e-12]), top_db=80.0)
    assert db.tolist() == pytest.approx([0.0, -30.0, -80.0])


def test_to_db_clips_each_item_of_a_batch_against_its_own_maximum():
    gen = torch.Generator().manual_seed(0)
    wave = torch.randn(3, 4000, generator=gen)
    wave[2] *= 1e5  # a much louder clip: 100 dB above the others
    spec = spectrogram(wave, n_fft=256, hop_length=128)  # (3, F, frames)
    alone = to_db(spec[:2])
    together = to_db(spec)
    # Adding the loud clip to the batch changes nothing in the first two.
    assert torch.equal(together[:2], alone)
    for k in range(3):
        single = to_db(spec[k])
        assert torch.equal(together[k], single)
        assert together[k].max() - together[k].min() <= 80.0 + 1e-4
    # Over the last two axes only: a (B, 1, F, frames) batch clips the same way.
    assert torch.equal(to_db(spec[:, None])[:, 0], together)
    # A quiet item keeps its own 80 dB range instead of being flattened to the floor
    # of the loud one (the batch maximum would put that floor above everything it has).
    assert together[0].max() < together[2].max() - 80.0
    assert together[0].max() - together[0].min() > 40.0


def test_save_wav_rejects_a_batch(tmp_path):
    with pytest.raises(ValueError, match=r"\(T,\) or \(C, T\) waveform, got shape \(2, 1, 10\)"):
        save_wav(tmp_path / "x.wav", torch.zeros(2, 1, 10), 16000)
