"""hooks/redirects.py: a moved page leaves a redirect in every language, to the new
address, keeping the anchor; a stale entry fails the build."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hooks"))
import redirects  # noqa: E402


def config(tmp_path: Path):
    languages = [SimpleNamespace(locale="zh", default=True, build=True),
                 SimpleNamespace(locale="en", default=False, build=True)]
    i18n = SimpleNamespace(config=SimpleNamespace(languages=languages))
    return SimpleNamespace(docs_dir=str(tmp_path / "docs"), site_dir=str(tmp_path / "site"),
                           plugins={"i18n": i18n})


def test_moved_page_redirects_in_both_languages(tmp_path, monkeypatch):
    monkeypatch.setattr(redirects, "MOVED", {"ch3/old.md": "ch5/new.md"})
    (tmp_path / "docs" / "ch5").mkdir(parents=True)
    (tmp_path / "docs" / "ch5" / "new.md").write_text("# New\n")
    redirects.on_post_build(config(tmp_path))
    zh = (tmp_path / "site" / "ch3" / "old" / "index.html").read_text()
    en = (tmp_path / "site" / "en" / "ch3" / "old" / "index.html").read_text()
    for page, lang in ((zh, "zh"), (en, "en")):
        assert f'<html lang="{lang}">' in page
        assert 'url=../../ch5/new/"' in page and "location.hash" in page


def test_a_moved_page_that_exists_again_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(redirects, "MOVED", {"ch3/old.md": "ch5/new.md"})
    for page in ("ch3/old.md", "ch5/new.md"):
        (tmp_path / "docs" / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / page).write_text("# Page\n")
    with pytest.raises(PluginError, match="ch3/old.md exists again"):
        redirects.on_post_build(config(tmp_path))


def test_another_project_without_the_pages_gets_no_redirect(tmp_path, monkeypatch):
    monkeypatch.setattr(redirects, "MOVED", {"ch3/old.md": "ch5/gone.md"})
    (tmp_path / "docs").mkdir()
    redirects.on_post_build(config(tmp_path))
    assert not (tmp_path / "site").exists()


def test_every_moved_page_of_the_course_has_its_new_page():
    docs = Path(__file__).resolve().parents[1] / "docs"
    for old, new in redirects.MOVED.items():
        assert (docs / new).is_file() and not (docs / old).is_file(), (old, new)
