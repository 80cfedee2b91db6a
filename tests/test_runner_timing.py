"""The time a page reports for an example ("ran on ... in t s") is its cells' own work: the
kernel's start and the modules it imports first are off the clock, everything else is on."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from runner.cache import Cache  # noqa: E402
from runner.kernel import _opening_imports, run_example  # noqa: E402
from runner.keys import Environment  # noqa: E402

IMPORT_S, WORK_S = 3.0, 1.0

# A module that takes IMPORT_S to import and says so when it is imported.
SLOW_MODULE = f"import time\ntime.sleep({IMPORT_S})\nprint('slow module loaded')\n"


def run(tmp_path: Path, source: str):
    script = tmp_path / "examples" / "demo" / "timed.py"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(source, encoding="utf-8")
    return run_example("demo/timed", script, tmp_path, Cache(tmp_path / "cache"),
                       Environment.here())


@pytest.fixture
def slow_module(tmp_path, monkeypatch):
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "slow_module.py").write_text(SLOW_MODULE, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(folder))  # the kernel inherits it


def test_opening_imports_are_off_the_clock_and_what_they_print_stays(tmp_path, slow_module):
    result = run(tmp_path, f"# %%\nimport time\n\nimport slow_module\n\n"
                           f"time.sleep({WORK_S})\nprint('worked')\n\n# %%\nprint('done')\n")
    assert WORK_S <= result.seconds < WORK_S + IMPORT_S - 0.5
    assert result.text.splitlines() == ["slow module loaded", "worked", "done"]


def test_an_import_after_the_examples_first_statement_is_on_the_clock(tmp_path, slow_module):
    result = run(tmp_path, "# %%\nimport time\n\nprint(time.gmtime(0).tm_year)\n"
                           "import slow_module\n")
    assert result.seconds >= IMPORT_S
    assert result.text.splitlines() == ["1970", "slow module loaded"]


def test_opening_imports_are_the_statements_before_any_other():
    source = ('"""doc"""\nfrom __future__ import annotations\nimport os, sys\n'
              "from . import sibling\nfrom torch import nn as torch_nn\n"
              "x = 1\nimport json\n")
    assert _opening_imports(source) == ["import os, sys", "from torch import nn as torch_nn"]
    assert _opening_imports("%matplotlib inline\nimport os\n") == []
