"""Where a project keeps its examples and their cached results."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# An example's name, as markers, archives and the cache write it: "ch3/conv_image".
EXAMPLE_NAME = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)+$")


@dataclass(frozen=True)
class Project:
    root: Path  # the folder holding examples/ (the kernel's working directory)

    @property
    def examples(self) -> Path:
        return self.root / "examples"

    @property
    def cache(self) -> Path:
        return self.root / ".cache" / "examples"

    def scripts(self) -> dict[str, Path]:
        """``{"ch3/conv_image": Path(".../examples/ch3/conv_image.py"), ...}``, sorted.
        Files starting with ``_`` are helpers, not examples."""
        if not self.examples.is_dir():
            return {}
        return {
            p.relative_to(self.examples).with_suffix("").as_posix(): p
            for p in sorted(self.examples.rglob("*.py"))
            if "__pycache__" not in p.parts and not p.name.startswith("_")
        }
