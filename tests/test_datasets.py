"""audiodl.datasets: the shipped FSDD archive is the one its README describes, the dataset
has the promised clips in a fixed order, unpacking is verified, atomic and idempotent,
the download path works (offline: a file:// URL and a local HTTP server serving archives
made here), and every kind of bad input fails with a message naming the file."""

import hashlib
import http.server
import io
import os
import re
import shutil
import socket
import subprocess
import tarfile
import threading
import time
from collections import Counter
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from torch.utils.data import DataLoader

from audiodl import datasets
from audiodl.data import pad_collate
from audiodl.datasets import (
    DIGITS,
    SPEAKERS,
    SR,
    Clip,
    SpokenDigits,
    cache_dir,
    git_blob_id,
    git_tree_id,
    load_clip,
    read_audio,
    recordings_dir,
)

README = Path(datasets.__file__).parent / "assets" / "fsdd" / "README.md"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection to a host other than this machine fails the test."""
    connect = socket.socket.connect

    def local_only(self, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"a test tried to reach {address}")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)
    monkeypatch.setattr(datasets, "UPSTREAM_URL", "http://127.0.0.1:9/v1.0.10.tar.gz")


@pytest.fixture(scope="session")
def fsdd_root(tmp_path_factory):
    """The real shipped archive, unpacked once for the session into a fresh cache."""
    root = tmp_path_factory.mktemp("fsdd-cache")
    recordings_dir(root)
    return root


# --- small archives made here ------------------------------------------------------------

def wav_bytes(n=800, sr=SR, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    soundfile.write(buf, rng.uniform(-0.5, 0.5, (n, channels)), sr, format="WAV",
                    subtype="PCM_16")
    return buf.getvalue()


SMALL = {f"{d}_{s}_{i}.wav": wav_bytes(400 + 37 * k, seed=k)
         for k, (d, s, i) in enumerate([(0, "george", 0), (3, "theo", 7), (9, "lucas", 49)])}
EXECUTABLE = {"3_theo_7.wav"}  # upstream marks some files executable; git's tree says so


def expected_tree_id(files=SMALL, executable=EXECUTABLE):
    return git_tree_id({name: ("100755" if name in executable else "100644", git_blob_id(data))
                        for name, data in files.items()})


def make_tar(path, members, mode):
    """members: (name, bytes or None for a folder, file mode)."""
    with tarfile.open(path, mode) as tar:
        for name, data, perm in members:
            info = tarfile.TarInfo(name)
            info.mode, info.mtime = perm, 1_640_995_200
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def shipped_like(path, files=SMALL):
    members = [("recordings", None, 0o775)]
    members += [(f"recordings/{n}", d, 0o775 if n in EXECUTABLE else 0o664)
                for n, d in files.items()]
    return make_tar(path, members, "w:xz")


def tag_archive_like(path, files=SMALL):
    """Shaped like GitHub's tag archive: one top folder, recordings/ and other things."""
    top = "free-spoken-digit-dataset-1.0.10"
    members = [(top, None, 0o775), (f"{top}/README.md", b"# FSDD\n", 0o664),
               (f"{top}/recordings", None, 0o775),
               (f"{top}/recordings/notes.txt", b"not a recording", 0o664),
               (f"{top}/recordings/sub/0_george_1.wav", wav_bytes(seed=9), 0o664),
               (f"{top}/utils/1_jackson_2.wav", wav_bytes(seed=8), 0o664)]
    members += [(f"{top}/recordings/{n}", d, 0o775 if n in EXECUTABLE else 0o664)
                for n, d in files.items()]
    return make_tar(path, members, "w:gz")


@pytest.fixture
def small_shipped(tmp_path, monkeypatch):
    """Make recordings_dir use a small archive in place of the shipped one."""
    archive = shipped_like(tmp_path / "small.tar.xz")
    monkeypatch.setattr(datasets, "ARCHIVE_PATH", archive)
    monkeypatch.setattr(datasets, "ARCHIVE_SHA256", hashlib.sha256(archive.read_bytes())
                        .hexdigest())
    monkeypatch.setattr(datasets, "RECORDINGS_TREE_ID", expected_tree_id())
    return archive


@pytest.fixture
def no_shipped(tmp_path, monkeypatch):
    missing = tmp_path / "gone" / "fsdd-v1.0.10-recordings.tar.xz"
    monkeypatch.setattr(datasets, "ARCHIVE_PATH", missing)
    monkeypatch.setattr(datasets, "RECORDINGS_TREE_ID", expected_tree_id())
    return missing


def leftovers(root):
    return sorted(p.name for p in cache_dir(root).iterdir()) if cache_dir(root).exists() else []


# --- the shipped archive ------------------------------------------------------------------

def test_shipped_archive_is_the_one_its_readme_describes():
    text = README.read_text(encoding="utf-8")
    assert datasets.ARCHIVE_PATH.is_file()
    digest = hashlib.sha256(datasets.ARCHIVE_PATH.read_bytes()).hexdigest()
    assert digest == datasets.ARCHIVE_SHA256
    assert f"{datasets.ARCHIVE_PATH.stat().st_size:,}" in text
    for fact in [digest, datasets.RECORDINGS_TREE_ID, datasets.CREDIT, datasets.LICENSE_URL,
                 "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/"
                 "v1.0.10.tar.gz", "`v1.0.10`"]:
        assert fact in text


def test_first_use_unpacks_the_real_archive_with_the_tags_git_tree_id(fsdd_root):
    """recordings_dir checks the sha256 and, on the unpacked files, the git tree id of the
    tag's recordings/: the session fixture got here, so both held for the real archive."""
    folder = recordings_dir(fsdd_root)
    assert folder == fsdd_root / "fsdd-v1.0.10" / "recordings"
    assert len(list(folder.glob("*.wav"))) == 3000
    assert leftovers(fsdd_root) == ["recordings"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command")
def test_git_ids_agree_with_git_itself(tmp_path):
    folder = tmp_path / "repo" / "recordings"
    folder.mkdir(parents=True)
    for name, data in SMALL.items():
        (folder / name).write_bytes(data)
        os.chmod(folder / name, 0o755 if name in EXECUTABLE else 0o644)
    repo = folder.parent

    def git(*args):
        return subprocess.run(["git", "-c", "core.fileMode=true", *args], cwd=repo,
                              check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    git("add", "recordings")
    tree = git("write-tree")
    assert git("rev-parse", f"{tree}:recordings") == expected_tree_id()
    assert git("hash-object", "recordings/0_george_0.wav") == git_blob_id(SMALL["0_george_0.wav"])


# --- the dataset -----------------------------------------------------------------------------

def test_counts_and_the_datasets_own_split(fsdd_root):
    every = SpokenDigits("all", root=fsdd_root)
    train, test = SpokenDigits("train", root=fsdd_root), SpokenDigits("test", root=fsdd_root)
    assert (len(every), len(train), len(test)) == (3000, 2700, 300)
    assert Counter(every.speaker_names) == {s: 500 for s in SPEAKERS}
    assert Counter(every.digits) == {d: 300 for d in DIGITS}
    assert Counter((c.speaker, c.digit) for c in every.clips) == {
        (s, d): 50 for s in SPEAKERS for d in DIGITS}
    assert {c.index for c in test.clips} == set(range(5))
    assert {c.index for c in train.clips} == set(range(5, 50))
    assert Counter(test.digits) == {d: 30 for d in DIGITS}
    assert set(train.clips) | set(test.clips) == set(every.clips)
    assert all(c.split == "test" for c in test.clips) and all(c.split == "train"
                                                              for c in train.clips)


def test_speaker_filter_gives_leave_one_speaker_out(fsdd_root):
    for held in SPEAKERS:
        rest = SpokenDigits("all", speakers=[s for s in SPEAKERS if s != held], root=fsdd_root)
        alone = SpokenDigits("all", speakers=[held], root=fsdd_root)
        assert len(rest) == 2500 and held not in rest.speaker_names
        assert len(alone) == 500 and set(alone.speaker_names) == {held}
    both = SpokenDigits("test", speakers=("theo", "george"), root=fsdd_root)
    assert len(both) == 100 and both.speakers == ("george", "theo")
    assert set(both.speaker_names) == {"george", "theo"}
    # any iterable of names, a generator too
    assert len(SpokenDigits("train", speakers=iter(["lucas"]), root=fsdd_root)) == 450


def test_bad_arguments_are_refused_with_the_choices(fsdd_root):
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'test', 'all'\)"):
        SpokenDigits("valid", root=fsdd_root)
    with pytest.raises(ValueError, match=r"unknown speaker\(s\) \['Theo'\]; FSDD's speakers"):
        SpokenDigits("all", speakers=["Theo"], root=fsdd_root)
    with pytest.raises(TypeError, match=r"iterable of names, e.g. \['theo'\]"):
        SpokenDigits("all", speakers="theo", root=fsdd_root)
    with pytest.raises(ValueError, match="speakers is empty"):
        SpokenDigits("all", speakers=[], root=fsdd_root)


def test_items_are_8khz_mono_float_waves_with_their_digit(fsdd_root):
    ds = SpokenDigits("test", root=fsdd_root)
    lengths = []
    for i in range(len(ds)):
        wave, digit = ds[i]
        clip = ds.clips[i]
        assert isinstance(digit, int) and digit == clip.digit == ds.digits[i]
        assert wave.dtype == torch.float32 and wave.ndim == 2 and wave.shape[0] == 1
        assert wave.is_contiguous() and wave.abs().max() <= 1.0
        info = soundfile.info(clip.path)
        assert (info.samplerate, info.channels, info.frames) == (SR, 1, wave.shape[-1])
        assert clip.path.name == f"{clip.digit}_{clip.speaker}_{clip.index}.wav"
        lengths.append(wave.shape[-1])
    # the values are the file's 16-bit samples / 32768
    pcm = np.frombuffer(ds.clips[0].path.read_bytes()[44:], dtype="<i2")
    torch.testing.assert_close(ds[0][0][0], torch.from_numpy(pcm / 32768.0).float())
    assert 0.1 < min(lengths) / SR < max(lengths) / SR < 2.5  # seconds, as the README says


def test_order_is_fixed_and_the_lists_agree_with_the_clips(fsdd_root):
    a, b = SpokenDigits("all", root=fsdd_root), SpokenDigits("all", root=fsdd_root)
    assert a.clips == b.clips
    keys = [(c.speaker, c.digit, c.index) for c in a.clips]
    assert keys == sorted(keys) and len(set(keys)) == 3000
    assert a.clips[0] == Clip(0, "george", 0, a.folder / "0_george_0.wav")
    assert a.clips[-1] == Clip(9, "yweweler", 49, a.folder / "9_yweweler_49.wav")
    assert a.digits == [c.digit for c in a.clips]
    assert a.speaker_names == [c.speaker for c in a.clips]
    torch.testing.assert_close(a[1234][0], b[1234][0])


def test_repr_and_clip_print_the_same_on_every_machine(fsdd_root):
    ds = SpokenDigits("all", speakers=["theo", "lucas"], root=fsdd_root)
    assert repr(ds) == ("SpokenDigits(split='all', speakers=['lucas', 'theo'], clips=1000, "
                        "sr=8000)")
    assert repr(ds.clips[0]) == "Clip(digit=0, speaker='lucas', index=0)"

    def peak(wave):
        return wave.abs().amax(dim=-1)

    assert repr(SpokenDigits("test", transform=peak, root=fsdd_root)).endswith(
        "clips=300, sr=8000, transform=peak)")
    with pytest.raises(FrozenInstanceError):
        ds.clips[0].digit = 1


def test_transform_is_applied_and_batches_pad(fsdd_root):
    ds = SpokenDigits("test", speakers=["jackson"], root=fsdd_root,
                      transform=lambda w: w * 2)
    plain = SpokenDigits("test", speakers=["jackson"], root=fsdd_root)
    torch.testing.assert_close(ds[3][0], plain[3][0] * 2)
    waves, lengths, labels = next(iter(DataLoader(plain, batch_size=8, collate_fn=pad_collate)))
    assert waves.shape == (8, 1, int(lengths.max())) and labels.tolist() == plain.digits[:8]


# --- the cache: where, atomic, idempotent, concurrent -----------------------------------------

def test_cache_is_root_else_audiodl_data_else_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AUDIODL_DATA", raising=False)
    assert cache_dir() == tmp_path / "home" / ".cache" / "audiodl" / "fsdd-v1.0.10"
    monkeypatch.setenv("AUDIODL_DATA", str(tmp_path / "data"))
    assert cache_dir() == tmp_path / "data" / "fsdd-v1.0.10"
    assert cache_dir(tmp_path / "mine") == tmp_path / "mine" / "fsdd-v1.0.10"


def test_unpack_once_then_reuse(tmp_path, small_shipped, monkeypatch):
    monkeypatch.setenv("AUDIODL_DATA", str(tmp_path / "data"))
    renames, replace = [], os.replace

    def watch(src, dst):  # the folder must appear whole, by one rename
        src, dst = Path(src), Path(dst)
        renames.append((src.parent.name[:11], sorted(p.name for p in src.iterdir()), dst.exists()))
        return replace(src, dst)

    monkeypatch.setattr(os, "replace", watch)
    folder = recordings_dir()
    assert folder == tmp_path / "data" / "fsdd-v1.0.10" / "recordings"
    assert renames == [(".unpacking-", sorted(SMALL), False)]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == SMALL
    assert leftovers(tmp_path / "data") == ["recordings"]
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    small_shipped.unlink()  # a second call must not even look at the archive
    monkeypatch.setattr(datasets, "_unpack_shipped", None)
    assert recordings_dir() == folder
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps


def test_concurrent_first_uses_all_get_the_complete_folder(tmp_path, small_shipped, monkeypatch):
    n = 4
    barrier = threading.Barrier(n, timeout=30)
    extract = datasets._extract_recordings

    def extract_together(*args, **kwargs):
        result = extract(*args, **kwargs)
        barrier.wait()  # every thread has its own complete copy before any renames
        return result

    monkeypatch.setattr(datasets, "_extract_recordings", extract_together)
    results, errors = [], []

    def use():
        try:
            results.append(recordings_dir(tmp_path))
        except Exception as err:  # collected, asserted below
            errors.append(err)

    threads = [threading.Thread(target=use) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [cache_dir(tmp_path) / "recordings"] * n
    assert {p.name: p.read_bytes() for p in results[0].iterdir()} == SMALL
    assert leftovers(tmp_path) == ["recordings"]


def test_a_failure_while_unpacking_leaves_nothing(tmp_path, small_shipped, monkeypatch):
    written = []

    def fail_on_the_third_file(data):
        written.append(data)
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        return hashlib.sha1(data).hexdigest()

    monkeypatch.setattr(datasets, "git_blob_id", fail_on_the_third_file)
    with pytest.raises(OSError, match="No space left"):
        recordings_dir(tmp_path)
    assert leftovers(tmp_path) == []  # no recordings/, no temporary folder


def test_a_temporary_folder_left_by_a_killed_process_is_removed(tmp_path, small_shipped):
    folder = cache_dir(tmp_path)
    old, young = folder / ".unpacking-old", folder / ".unpacking-young"
    for f in (old, young):
        (f / "recordings").mkdir(parents=True)
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    recordings_dir(tmp_path)
    assert leftovers(tmp_path) == [".unpacking-young", "recordings"]


# --- bad archives ------------------------------------------------------------------------------

def test_checksum_mismatch_names_the_file_and_what_to_do(tmp_path, small_shipped, monkeypatch):
    monkeypatch.setattr(datasets, "ARCHIVE_SHA256", "0" * 64)
    with pytest.raises(ValueError) as err:
        recordings_dir(tmp_path)
    message = str(err.value)
    assert str(small_shipped) in message and "expected " + "0" * 64 in message
    assert "git checkout -- src/audiodl/assets/fsdd/" in message
    assert "reinstall audiodl" in message
    assert leftovers(tmp_path) == []


def test_shipped_archive_with_other_recordings_is_refused(tmp_path, small_shipped, monkeypatch):
    monkeypatch.setattr(datasets, "RECORDINGS_TREE_ID", "f" * 40)
    with pytest.raises(ValueError, match=rf"{re.escape(str(small_shipped))}: its 3 recordings "
                                         rf"have git tree id [0-9a-f]{{40}}, expected f{{40}}"):
        recordings_dir(tmp_path)
    assert leftovers(tmp_path) == []


def test_missing_archive_and_no_download_says_what_to_do(tmp_path, no_shipped):
    url = (tmp_path / "nowhere.tar.gz").as_uri()
    with pytest.raises(FileNotFoundError) as err:
        recordings_dir(tmp_path, url=url)
    message = str(err.value)
    assert str(no_shipped) in message and url in message and "reinstall audiodl" in message
    assert "recordings_dir(url='file:///" in message
    assert leftovers(tmp_path) == []
    # the default URL (a closed local port in these tests) takes the same path
    with pytest.raises(FileNotFoundError, match=r"downloading http://127\.0\.0\.1:9/"):
        recordings_dir(tmp_path)


# --- the download path, offline -------------------------------------------------------------

def test_download_from_a_file_url_keeps_only_recordings_wavs(tmp_path, no_shipped, capsys):
    url = tag_archive_like(tmp_path / "v1.0.10.tar.gz").as_uri()
    folder = recordings_dir(tmp_path / "cache", url=url)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == SMALL
    assert leftovers(tmp_path / "cache") == ["recordings"]
    said = capsys.readouterr().err
    assert f"{no_shipped} is missing; downloading FSDD v1.0.10 from {url}" in said


@pytest.fixture
def server(tmp_path):
    """A local HTTP server for the files in tmp_path/www; yields (base URL, request log)."""
    www = tmp_path / "www"
    www.mkdir()
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(www), **kwargs)

        def log_message(self, *args):
            requests.append(self.path)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()
    httpd.server_close()


def test_download_from_a_local_server(tmp_path, no_shipped, server):
    www, base, requests = server
    tag_archive_like(www / "v1.0.10.tar.gz")
    folder = recordings_dir(tmp_path / "cache", url=f"{base}/v1.0.10.tar.gz")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == SMALL
    assert requests == ["/v1.0.10.tar.gz"]
    assert recordings_dir(tmp_path / "cache", url=f"{base}/v1.0.10.tar.gz") == folder
    assert requests == ["/v1.0.10.tar.gz"]  # unpacked once, never downloaded again


def test_download_of_other_recordings_is_refused(tmp_path, no_shipped, server):
    www, base, _ = server
    other = dict(SMALL, **{"0_george_0.wav": wav_bytes(seed=99)})
    tag_archive_like(www / "v1.0.10.tar.gz", files=other)
    url = f"{base}/v1.0.10.tar.gz"
    with pytest.raises(ValueError, match=rf"{re.escape(url)}: the 3 WAV files of its recordings/ "
                                         rf"folder have git tree id [0-9a-f]{{40}}, expected "
                                         rf"{expected_tree_id()} \(FSDD v1.0.10\)"):
        recordings_dir(tmp_path / "cache", url=url)
    assert leftovers(tmp_path / "cache") == []


@pytest.mark.parametrize("what", ["html", "truncated", "http404"])
def test_a_download_that_is_not_the_archive_is_refused(tmp_path, no_shipped, server, what):
    www, base, _ = server
    whole = tag_archive_like(tmp_path / "whole.tar.gz").read_bytes()
    if what == "html":
        (www / "v1.0.10.tar.gz").write_bytes(b"<!doctype html><title>Sign in</title>")
    elif what == "truncated":
        (www / "v1.0.10.tar.gz").write_bytes(whole[: len(whole) * 2 // 3])
    url = f"{base}/v1.0.10.tar.gz"
    if what == "http404":
        with pytest.raises(FileNotFoundError, match=rf"downloading {re.escape(url)} failed "
                                                    r"\(HTTP Error 404"):
            recordings_dir(tmp_path / "cache", url=url)
    else:
        with pytest.raises(ValueError, match=rf"{re.escape(url)}: the download is not a "
                                             r"readable tar archive"):
            recordings_dir(tmp_path / "cache", url=url)
    assert leftovers(tmp_path / "cache") == []


# --- bad clips ---------------------------------------------------------------------------------

@pytest.fixture
def fake_cache(tmp_path):
    folder = tmp_path / "fsdd-v1.0.10" / "recordings"
    folder.mkdir(parents=True)
    return folder


def test_a_good_clip_loads(fake_cache):
    (fake_cache / "0_george_0.wav").write_bytes(wav_bytes(n=1234))
    wave = load_clip(fake_cache / "0_george_0.wav")
    assert wave.shape == (1, 1234) and wave.dtype == torch.float32


BAD_CLIPS = [
    ("text", b"this is not a recording\n" * 4, ValueError,
     r"not a WAV file \(no RIFF/WAVE header\)"),
    ("truncated", wav_bytes(n=1000)[:1200], ValueError,
     r"truncated: its header announces 2000 bytes of samples, the file holds 1156"),
    ("header only", wav_bytes(n=1000)[:30], ValueError,
     r"truncated or damaged: no 'data' chunk of samples"),
    ("16 kHz", wav_bytes(sr=16000), ValueError,
     r"16000 Hz, 1 channel\(s\); expected 8000 Hz mono"),
    ("stereo", wav_bytes(channels=2), ValueError,
     r"8000 Hz, 2 channel\(s\); expected 8000 Hz mono"),
    ("zeroed format chunk", b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"
     + b"\x00" * 16 + b"data\x00\x00\x00\x00", ValueError,
     r"cannot be read as audio \([^<>]+\)"),  # libsndfile's reason, not a BytesIO repr
]


@pytest.mark.parametrize("case,data,error,message", BAD_CLIPS, ids=[c[0] for c in BAD_CLIPS])
def test_bad_clips_name_the_file_and_what_to_do(fake_cache, tmp_path, case, data, error, message):
    in_cache = fake_cache / "1_theo_2.wav"
    in_cache.write_bytes(data)
    with pytest.raises(error, match=rf"^{re.escape(str(in_cache))}: {message}; the unpacked "
                                    rf"recordings were changed: delete the folder "
                                    rf"{re.escape(str(fake_cache.parent))} and the next use"):
        load_clip(in_cache)
    elsewhere = tmp_path / "mine.wav"
    elsewhere.write_bytes(data)
    with pytest.raises(error, match=rf"^{re.escape(str(elsewhere))}: {message}; FSDD clips are "
                                    r"8000 Hz mono 16-bit WAV files"):
        load_clip(elsewhere)


def test_a_missing_clip_names_the_file(fake_cache):
    with pytest.raises(FileNotFoundError, match=r"4_lucas_4.wav: no such file; the unpacked"):
        load_clip(fake_cache / "4_lucas_4.wav")


def test_a_damaged_cache_is_reported_by_the_dataset(fake_cache):
    root = fake_cache.parent.parent
    (fake_cache / "0_george_0.wav").write_bytes(wav_bytes())
    with pytest.raises(ValueError, match=r"recordings: 2999 of the 3000 recordings are missing "
                                         r"\(e.g. 0_george_1.wav, .*\); delete the folder"):
        SpokenDigits("all", root=root)
    (fake_cache / "0_george_0 (copy).wav").write_bytes(wav_bytes())
    with pytest.raises(ValueError, match=r"0_george_0 \(copy\).wav: not an FSDD v1.0.10 file"):
        SpokenDigits("all", root=root)


# --- any recording (read_audio, which predict.py uses) ------------------------------------------


def test_read_audio_reads_any_rate_channels_and_format(tmp_path):
    samples = np.random.default_rng(0).uniform(-0.5, 0.5, (1000, 2))
    soundfile.write(tmp_path / "a.flac", samples, 44100)
    got, sr = read_audio(tmp_path / "a.flac")
    assert sr == 44100 and got.shape == (1000, 2) and got.dtype == np.float32
    np.testing.assert_allclose(got, samples, atol=1 / 2**15)
    soundfile.write(tmp_path / "none.wav", np.zeros((0, 1)), 8000)
    assert read_audio(tmp_path / "none.wav")[0].shape == (0, 1)  # no samples is no error


def test_read_audio_accepts_a_streamed_wav_of_unknown_length(tmp_path):
    data = bytearray(wav_bytes(n=500))
    pos = data.index(b"data")
    data[pos + 4:pos + 8] = b"\xff\xff\xff\xff"  # what a recorder writes before it knows
    (tmp_path / "stream.wav").write_bytes(bytes(data))
    assert len(read_audio(tmp_path / "stream.wav")[0]) == 500


def test_read_audio_gives_one_line_per_problem(tmp_path):
    (tmp_path / "dir.wav").mkdir()
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "text.wav").write_text("hello\n")
    (tmp_path / "cut.wav").write_bytes(wav_bytes(n=1000)[:1200])
    buf = io.BytesIO()
    soundfile.write(buf, np.array([0.1, np.inf, np.nan, 0.2]), 8000, format="WAV",
                    subtype="FLOAT")
    (tmp_path / "nan.wav").write_bytes(buf.getvalue())
    cases = [("missing.wav", FileNotFoundError, "no such file"),
             ("dir.wav", ValueError, "a folder, not a file"),
             ("empty.wav", ValueError, r"empty file \(0 bytes\)"),
             ("text.wav", ValueError, r"cannot be read as audio \([^<>]+\)"),
             ("cut.wav", ValueError, "truncated: its header announces 2000 bytes"),
             ("nan.wav", ValueError, "2 of its 4 samples are NaN or infinite")]
    for name, error, message in cases:
        path = tmp_path / name
        with pytest.raises(error, match=rf"^{re.escape(str(path))}: {message}.*; give a WAV") as e:
            read_audio(path)
        assert "\n" not in str(e.value)
