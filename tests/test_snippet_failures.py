"""A page snippet that raises, or prints the wrong thing, fails naming page and line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PAGE = """\
# Broken { #broken }

```python
def half(n):
    return n / 0


print(half(4))
```

```python
print("shape", (2, 3))
```

<!--pytest-codeblocks:expected-output-->

```text
shape (3, 2)
```
"""


def run_pytest_on(tmp_path: Path) -> str:
    (tmp_path / "bad.md").write_text(PAGE, encoding="utf-8")
    shutil.copy(ROOT / "conftest.py", tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --codeblocks\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "bad.md"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return proc.stdout


def test_raising_snippet_and_wrong_output_are_reported(tmp_path):
    out = run_pytest_on(tmp_path)
    assert "FAILED bad.md::line 3" in out
    assert "block line 2: return n / 0" in out
    assert "ZeroDivisionError: division by zero" in out
    assert "FAILED bad.md::line 11" in out
    assert "Expected output\n```\nshape (3, 2)\n```\nbut got\n```\nshape (2, 3)" in out
