"""Time the site build three ways in one run: cold (empty example cache), warm, and with
AUDIODL_EXAMPLES=skip; print the ratios and each example's run time.

Run with `make bench`. It empties .cache/examples (the warm build refills it). Quote the
ratios, not the seconds: these machines are shared and noisy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "examples"


def timed_build(site: Path, **env: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
        cwd=ROOT, check=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
    )
    return time.perf_counter() - start


def example_times() -> list[tuple[str, str, float]]:
    rows = []
    for result in sorted(CACHE.glob("*/*/[!.]*/result.json")):
        data = json.loads(result.read_text(encoding="utf-8"))
        rows.append((data["name"], data["device"], data["seconds"]))
    return sorted(rows, key=lambda row: -row[2])


def main() -> None:
    shutil.rmtree(CACHE, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        cold = timed_build(Path(tmp) / "cold")
        warm = timed_build(Path(tmp) / "warm")
        skip = timed_build(Path(tmp) / "skip", AUDIODL_EXAMPLES="skip")
    print(f"cold build (empty example cache) {cold:7.1f} s")
    print(f"warm build                       {warm:7.1f} s")
    print(f"skip build (AUDIODL_EXAMPLES=skip){skip:6.1f} s")
    print(f"warm/skip = {warm / skip:.2f}   cold/skip = {cold / skip:.2f}")
    rows = example_times()
    total = sum(row[2] for row in rows)
    print(f"\nper-example run times ({len(rows)} examples, {total:.1f} s in all):")
    for name, device, seconds in rows:
        print(f"  {name:32s} {seconds:6.1f} s   {device}")


if __name__ == "__main__":
    main()
