"""Real recordings: the Free Spoken Digit Dataset as a map-style dataset
(docs/ch5/spoken-digits.md, section "data").

FSDD v1.0.10 holds 3,000 recordings of the English digits 0-9: six speakers (all male)
say each digit 50 times, mono, 8 kHz, 16-bit PCM. Credit: "Free Spoken Digit Dataset
(FSDD), Z. Jackson et al., CC BY-SA 4.0" (:data:`CREDIT`, :data:`LICENSE_URL`).

The recordings ship with the package as one archive, ``audiodl/assets/fsdd/`` (its README
gives the source, licence, checksum and how it was made), so nothing is downloaded.
:func:`recordings_dir` unpacks it on first use into a cache, ``$AUDIODL_DATA`` or else
``~/.cache/audiodl``, in the folder ``fsdd-v1.0.10/recordings/``, after checking the
archive's sha256. It unpacks into a temporary folder beside that one and renames it into
place, so the cache holds either all of the recordings or none of them, and several
processes may call it at once. Where the shipped archive is missing it downloads
upstream's tag archive instead and checks the recordings against their git tree id.

:class:`SpokenDigits` lists the clips (digit, speaker, index, from the file names
``{digit}_{speaker}_{index}.wav``) and reads one with :func:`load_clip` only when it is
asked for, so making a dataset costs a directory listing and holds no audio in memory.
:func:`read_audio` is the reader underneath, for any recording (examples/ch5/predict.py
reads a reader's files with it): one line per problem, a WAV file cut short included.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import lzma
import os
import re
import shutil
import sys
import tarfile
import tempfile
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile
import torch
from torch.utils.data import Dataset

SR = 8000
SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
# Leaving one speaker out, nested (docs/ch5/evaluation.md#nested): the speakers in pairs,
# each the validation speaker of the fold that tests the other.
SPEAKER_PAIRS = tuple(SPEAKERS[i:i + 2] for i in range(0, len(SPEAKERS), 2))
PARTNER = {a: b for pair in SPEAKER_PAIRS for a, b in (pair, pair[::-1])}
DIGITS = tuple(range(10))
TAKES = 50  # recordings of each digit by each speaker, index 0-49
TEST_TAKES = 5  # the dataset's own split: index 0-4 is the test set, 5-49 the training set
SPLITS = ("train", "test", "all")

VERSION = "v1.0.10"
CREDIT = "Free Spoken Digit Dataset (FSDD), Z. Jackson et al., CC BY-SA 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by-sa/4.0/"
# The shipped archive and its checksum (src/audiodl/assets/fsdd/README.md).
ARCHIVE_PATH = Path(__file__).parent / "assets" / "fsdd" / f"fsdd-{VERSION}-recordings.tar.xz"
ARCHIVE_SHA256 = "8374597b23d5130aa7f4441e804debd81c48bed2eb83c55c5139bed0acb8d96c"
# Used only when the shipped archive is missing. GitHub makes tag archives on demand and
# their bytes may change, so the download is checked against the git tree id of the tag's
# recordings/ folder, which cannot change.
UPSTREAM_URL = (
    "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/v1.0.10.tar.gz"
)
RECORDINGS_TREE_ID = "d04322e322a9f937f6f4f7c8546693755184df5b"

_CLIP_NAME = re.compile(r"(\d)_([a-z]+)_(\d+)\.wav")
_MEMBER_NAME = re.compile(r"[A-Za-z0-9_.-]+\.wav")
_STALE_SECONDS = 3600  # a temporary folder this old was left by a killed process


def cache_dir(root: str | os.PathLike | None = None) -> Path:
    """The versioned cache folder, ``<root>/fsdd-v1.0.10``: ``root`` if given, else the
    environment variable ``AUDIODL_DATA``, else ``~/.cache/audiodl``."""
    base = root if root is not None else os.environ.get("AUDIODL_DATA") or None
    base = Path(base).expanduser() if base is not None else Path.home() / ".cache" / "audiodl"
    return base / f"fsdd-{VERSION}"


def recordings_dir(root: str | os.PathLike | None = None, url: str | None = None) -> Path:
    """The folder of the 3,000 WAV files, unpacked on first use (see the module docstring).

    ``root`` chooses the cache (:func:`cache_dir`); ``url`` replaces :data:`UPSTREAM_URL`
    for the download made only when the shipped archive is missing (a ``file://`` URL of
    a tag archive downloaded by hand works too). Later calls only check that the folder
    exists.
    """
    folder = cache_dir(root)
    dest = folder / "recordings"
    if dest.is_dir():
        return dest
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(folder)
    tmp = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=folder))
    try:
        archive = Path(ARCHIVE_PATH)
        if archive.is_file():
            _unpack_shipped(archive, tmp / "recordings")
        else:
            _download(url or UPSTREAM_URL, tmp / "recordings", archive)
        try:
            os.replace(tmp / "recordings", dest)
        except OSError:
            if not dest.is_dir():
                raise
            # Another process renamed its copy into place first: the same verified files.
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _remove_stale_temporaries(folder: Path) -> None:
    for old in folder.glob(".unpacking-*"):
        try:
            if time.time() - old.stat().st_mtime > _STALE_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def git_blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def git_tree_id(entries: dict[str, tuple[str, str]]) -> str:
    """The id git gives a folder of files: ``entries`` maps each file name to its git mode
    (``"100644"``, or ``"100755"`` for an executable) and its blob id."""
    body = b"".join(
        f"{mode} {name}".encode() + b"\0" + bytes.fromhex(blob)
        for name, (mode, blob) in sorted(entries.items(), key=lambda item: item[0].encode())
    )
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()


def _extract_recordings(tar: tarfile.TarFile, out: Path, depth: int) -> tuple[str, int]:
    """Write the archive's ``recordings/*.wav`` files (``depth`` folders above
    ``recordings/``: 0 for the shipped archive, 1 for a GitHub tag archive) into ``out``,
    and nothing else; return the git tree id of what was written and the number of files."""
    out.mkdir()
    entries: dict[str, tuple[str, str]] = {}
    for member in tar:
        parts = member.name.removeprefix("./").split("/")
        if (len(parts) != depth + 2 or parts[-2] != "recordings" or not member.isfile()
                or not _MEMBER_NAME.fullmatch(parts[-1])):
            continue
        data = tar.extractfile(member).read()
        (out / parts[-1]).write_bytes(data)
        entries[parts[-1]] = ("100755" if member.mode & 0o100 else "100644", git_blob_id(data))
    return git_tree_id(entries), len(entries)


# What a damaged or foreign archive raises while being read (not what writing raises: a full
# disk is reported as itself).
_READ_ERRORS = (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile)


def _unpack_shipped(archive: Path, out: Path) -> None:
    digest = _sha256(archive)
    if digest != ARCHIVE_SHA256:
        raise ValueError(
            f"{archive}: sha256 {digest}, expected {ARCHIVE_SHA256}: the file is damaged or "
            f"is not the archive audiodl ships. Restore it (in a clone of the repository: "
            f"git checkout -- src/audiodl/assets/fsdd/; otherwise reinstall audiodl), or "
            f"delete it and audiodl downloads the recordings from {UPSTREAM_URL}."
        )
    try:
        with tarfile.open(archive, "r:*") as tar:
            tree, count = _extract_recordings(tar, out, depth=0)
    except _READ_ERRORS as err:
        raise ValueError(f"{archive}: cannot be unpacked ({err}); restore it or reinstall "
                         f"audiodl.") from err
    if tree != RECORDINGS_TREE_ID:
        raise ValueError(
            f"{archive}: its {count} recordings have git tree id {tree}, expected "
            f"{RECORDINGS_TREE_ID} (FSDD {VERSION}); restore the file or reinstall audiodl."
        )


def _download(url: str, out: Path, archive: Path) -> None:
    target = out.parent / "download.tar.gz"
    print(f"audiodl: {archive} is missing; downloading FSDD {VERSION} from {url}",
          file=sys.stderr)
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as f:
            shutil.copyfileobj(response, f)
    except (OSError, ValueError) as err:
        raise FileNotFoundError(
            f"The FSDD recordings archive {archive} is missing and downloading {url} failed "
            f"({err}). Restore the archive (in a clone of the repository: git checkout -- "
            f"src/audiodl/assets/fsdd/; otherwise reinstall audiodl), or connect to the "
            f"network and try again, or download that URL on another machine and call "
            f"audiodl.datasets.recordings_dir(url='file:///path/to/v1.0.10.tar.gz')."
        ) from err
    try:
        with tarfile.open(target, "r:*") as tar:
            tree, count = _extract_recordings(tar, out, depth=1)
    except _READ_ERRORS as err:
        raise ValueError(
            f"{url}: the download is not a readable tar archive ({err}). Try again, or "
            f"restore the shipped archive {archive}."
        ) from err
    if tree != RECORDINGS_TREE_ID:
        raise ValueError(
            f"{url}: the {count} WAV files of its recordings/ folder have git tree id "
            f"{tree}, expected {RECORDINGS_TREE_ID} (FSDD {VERSION}): the download is "
            f"incomplete or is not that release. Try again, or restore the shipped "
            f"archive {archive}."
        )


def _what_to_do(path: Path) -> str:
    if path.parent.name == "recordings" and path.parent.parent.name == f"fsdd-{VERSION}":
        return (f"the unpacked recordings were changed: delete the folder {path.parent.parent} "
                f"and the next use unpacks them again from the verified archive")
    return f"FSDD clips are {SR} Hz mono 16-bit WAV files; use one of those"


def load_clip(path: str | os.PathLike) -> torch.Tensor:
    """Read one FSDD clip as a float32 tensor of shape (1, T) in [-1, 1].

    Raises ``ValueError`` naming the file and what to do when it is not a WAV file, is
    truncated (fewer samples than its header announces), or is not 8 kHz mono;
    ``FileNotFoundError`` when it does not exist (see :func:`read_audio`).
    """
    path = Path(path)
    samples, sr = read_audio(path, _what_to_do(path), wav_only=True)
    if sr != SR or samples.shape[1] != 1:
        raise ValueError(f"{path}: {sr} Hz, {samples.shape[1]} channel(s); expected {SR} Hz "
                         f"mono; {_what_to_do(path)}.")
    return torch.from_numpy(np.ascontiguousarray(samples.T))


def read_audio(path: str | os.PathLike, hint: str = "give a WAV, FLAC, OGG or MP3 recording",
               *, wav_only: bool = False) -> tuple[np.ndarray, int]:
    """Read a recording in any format soundfile (libsndfile) reads: returns its samples,
    float32 of shape (T, channels) in [-1, 1], and its sample rate.

    Every problem raises one exception whose message is one line, ``"<path>: <problem>;
    <hint>."``: ``FileNotFoundError`` for a missing file, ``ValueError`` for a folder, an
    unreadable or empty file, something that is not audio (or, with ``wav_only``, not a
    WAV file), a WAV file cut short (libsndfile would quietly read the part that is left)
    and samples that are NaN or infinite. :func:`load_clip` reads FSDD's clips with it.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise FileNotFoundError(f"{path}: no such file; {hint}.") from err
    except IsADirectoryError as err:
        raise ValueError(f"{path}: a folder, not a file; {hint}.") from err
    except OSError as err:
        raise ValueError(f"{path}: cannot be read ({err.strerror or err}); {hint}.") from err
    is_wav = data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    if not data:
        raise ValueError(f"{path}: empty file (0 bytes); {hint}.")
    if wav_only and not is_wav:
        raise ValueError(f"{path}: not a WAV file (no RIFF/WAVE header); {hint}.")
    if is_wav:
        _check_complete(data, path, hint)
    try:
        samples, sr = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except soundfile.SoundFileError as err:
        reason = getattr(err, "error_string", err)  # libsndfile's words, without the BytesIO
        raise ValueError(f"{path}: cannot be read as audio ({reason}); {hint}.") from err
    bad = int(np.count_nonzero(~np.isfinite(samples)))
    if bad:
        raise ValueError(f"{path}: {bad} of its {samples.size} samples are NaN or infinite "
                         f"(the file is damaged); {hint}.")
    return samples, sr


def _check_complete(data: bytes, path: Path, hint: str) -> None:
    """libsndfile quietly reads a WAV file cut short; the data chunk's size says how many
    bytes of samples there should be."""
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        if chunk == b"data":
            held = len(data) - pos - 8
            if size > held and size != 0xFFFFFFFF:  # all ones: a stream, length unknown
                raise ValueError(
                    f"{path}: truncated: its header announces {size} bytes of samples, the "
                    f"file holds {held}; {hint}."
                )
            return
        pos += 8 + size + (size & 1)
    raise ValueError(f"{path}: truncated or damaged: no 'data' chunk of samples; {hint}.")


@dataclass(frozen=True)
class Clip:
    """One recording: ``digit`` (0-9) said by ``speaker``, take ``index`` (0-49), in the
    file ``path`` (left out of the printed form, which stays the same on every machine)."""

    digit: int
    speaker: str
    index: int
    path: Path = field(repr=False)

    @property
    def split(self) -> str:
        """``"test"`` for index 0-4, ``"train"`` for 5-49: the dataset's own split."""
        return "test" if self.index < TEST_TAKES else "train"


def _list_clips(folder: Path) -> list[Clip]:
    clips = []
    for entry in os.scandir(folder):
        if not entry.name.endswith(".wav"):
            continue
        match = _CLIP_NAME.fullmatch(entry.name)
        if match is None or match[2] not in SPEAKERS or int(match[3]) >= TAKES:
            raise ValueError(f"{Path(entry.path)}: not an FSDD {VERSION} file name "
                             f"({{digit}}_{{speaker}}_{{index}}.wav); "
                             f"{_what_to_do(Path(entry.path))}.")
        clips.append(Clip(int(match[1]), match[2], int(match[3]), Path(entry.path)))
    found = {(c.speaker, c.digit, c.index) for c in clips}
    missing = [f"{d}_{s}_{i}.wav" for s in SPEAKERS for d in DIGITS for i in range(TAKES)
               if (s, d, i) not in found]
    if missing:
        raise ValueError(
            f"{folder}: {len(missing)} of the {len(SPEAKERS) * len(DIGITS) * TAKES} "
            f"recordings are missing (e.g. {', '.join(missing[:3])}); delete the folder "
            f"{folder.parent} and the next use unpacks them again from the verified archive."
        )
    return sorted(clips, key=lambda c: (c.speaker, c.digit, c.index))


class SpokenDigits(Dataset):
    """The FSDD recordings as a map-style dataset: item ``i`` is ``(wave, digit)``, with
    ``wave`` a float32 tensor of shape (1, T) at 8 kHz (``transform(wave)`` if given).

    ``split`` is ``"train"`` (index 5-49, 2,700 clips), ``"test"`` (index 0-4, 300 clips)
    or ``"all"``; ``speakers``, an iterable of names from :data:`SPEAKERS`, keeps only
    those speakers (leave one speaker out:
    ``SpokenDigits("all", speakers=[s for s in SPEAKERS if s != held])``). ``root`` is the
    cache (:func:`cache_dir`); ``folder`` is then the unpacked recordings. ``clips[i]``
    describes item ``i`` (a :class:`Clip`); ``digits`` and ``speaker_names`` list every
    item's label and speaker, for stratifying or grouping without reading audio. The order
    is fixed: by speaker, digit, index.
    """

    def __init__(
        self,
        split: str,
        speakers: Iterable[str] | None = None,
        root: str | os.PathLike | None = None,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if isinstance(speakers, str):
            raise TypeError(f"speakers is an iterable of names, e.g. [{speakers!r}], "
                            f"not the string {speakers!r}")
        chosen = set(SPEAKERS if speakers is None else speakers)
        unknown = sorted(chosen - set(SPEAKERS))
        if unknown:
            raise ValueError(f"unknown speaker(s) {unknown}; FSDD's speakers are {SPEAKERS}")
        if not chosen:
            raise ValueError("speakers is empty: no clip would be left")
        self.split = split
        self.speakers = tuple(s for s in SPEAKERS if s in chosen)
        self.transform = transform
        self.folder = recordings_dir(root)  # the unpacked recordings/
        self.clips = [c for c in _list_clips(self.folder)
                      if c.speaker in chosen and split in ("all", c.split)]
        self.digits = [c.digit for c in self.clips]
        self.speaker_names = [c.speaker for c in self.clips]

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        clip = self.clips[i]
        wave = load_clip(clip.path)
        if self.transform is not None:
            wave = self.transform(wave)
        return wave, clip.digit

    def __repr__(self) -> str:
        extra = ""
        if self.transform is not None:
            name = getattr(self.transform, "__name__", type(self.transform).__name__)
            extra = f", transform={name}"
        return (f"SpokenDigits(split={self.split!r}, speakers={list(self.speakers)}, "
                f"clips={len(self)}, sr={SR}{extra})")
