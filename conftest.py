"""Make a failing page snippet say what failed, not just the message.

pytest-codeblocks reports only ``str(exc)``; a maintainer also wants the exception type
and the line of the snippet that raised. Both come from the original exception, which
pytest-codeblocks keeps as ``__context__`` of its RuntimeError.
"""

from __future__ import annotations

import traceback

import pytest
from pytest_codeblocks.plugin import TestBlock


def snippet_traceback(exc: BaseException, code: str) -> str:
    lines = code.splitlines()
    out = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<string>" and frame.lineno and frame.lineno <= len(lines):
            out.append(f"  block line {frame.lineno}: {lines[frame.lineno - 1].strip()}")
    out.append(f"{type(exc).__name__}: {exc}")
    return "\n".join(out)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    cause = call.excinfo and call.excinfo.value.__context__
    if isinstance(item, TestBlock) and report.failed and cause is not None:
        report.longrepr = f"{report.longrepr}\n\n{snippet_traceback(cause, item.obj.code)}"
