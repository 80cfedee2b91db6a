"""Where an example writes its files (WAV clips, TensorBoard runs).

The build hook sets ``AUDIODL_OUTPUT_DIR`` to a fresh folder per run and embeds the
``.wav`` files it finds there as audio players; run by hand, an example writes under
``outputs/<name>`` in the current folder (ignored by git).
"""

from __future__ import annotations

import os
from pathlib import Path


def output_dir(name: str = "example") -> Path:
    """The folder for this run's files, created if needed."""
    path = Path(os.environ.get("AUDIODL_OUTPUT_DIR") or Path("outputs") / name)
    path.mkdir(parents=True, exist_ok=True)
    return path
