"""hooks/redirects.py: a moved page leaves a redirect in every language, to the new
address, keeping the anchor, on the site and in the offline edition (files opened from
disk, no directory URLs); a stale entry fails the build."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

# Loaded from its file: hooks/ on sys.path would shadow the standard library's math.
_spec = importlib.util.spec_from_file_location(
    "redirects", Path(__file__).resolve().parents[1] / "hooks" / "redirects.py")
redirects = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(redirects)


def config(tmp_path: Path, directory_urls: bool = True):
    languages = [SimpleNamespace(locale="zh", default=True, build=True),
                 SimpleNamespace(locale="en", default=False, build=True)]
    i18n = SimpleNamespace(config=SimpleNamespace(languages=languages))
    return SimpleNamespace(docs_dir=str(tmp_path / "docs"), site_dir=str(tmp_path / "site"),
                           plugins={"i18n": i18n}, use_directory_urls=directory_urls)


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


@pytest.mark.parametrize("directory_urls, old_page, new_page", [
    (True, "ch3/old/index.html", "ch5/new/index.html"),  # the site on a web server
    (False, "ch3/old.html", "ch5/new.html"),  # the offline edition (tools/offline.py)
])
def test_the_redirect_leads_to_the_new_page_file(tmp_path, monkeypatch, directory_urls,
                                                 old_page, new_page):
    """Followed as a browser resolves it against the redirect's own file, the link reaches
    the new page's file: on disk a folder's address shows no page."""
    monkeypatch.setattr(redirects, "MOVED", {"ch3/old.md": "ch5/new.md"})
    (tmp_path / "docs" / "ch5").mkdir(parents=True)
    (tmp_path / "docs" / "ch5" / "new.md").write_text("# New\n")
    for folder in ("", "en/"):
        (tmp_path / "site" / folder / new_page).parent.mkdir(parents=True)
        (tmp_path / "site" / folder / new_page).write_text("<p>new</p>")
    redirects.on_post_build(config(tmp_path, directory_urls))
    for folder in ("", "en/"):
        page = tmp_path / "site" / folder / old_page
        links = set(re.findall(r'(?:href=|url=|location.replace\()"?([^"]+)"', page.read_text()))
        assert len(links) == 1, links
        target = (page.parent / links.pop()).resolve()
        target = target / "index.html" if directory_urls else target
        assert target == (tmp_path / "site" / folder / new_page).resolve()
    if not directory_urls:
        assert not (tmp_path / "site" / "ch3" / "old").exists()


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


# ---------------------------------------------------------------- anchors of a split page

def page_for(src: str):
    return SimpleNamespace(file=SimpleNamespace(src_uri=src))


def split_site(tmp_path: Path, monkeypatch, old_text="# Old\n\n## Kept { #kept }\n"):
    monkeypatch.setattr(redirects, "MOVED_ANCHORS", {"ch5/old.md": {"moved": "ch5/new.md"}})
    (tmp_path / "docs" / "ch5").mkdir(parents=True)
    (tmp_path / "docs" / "ch5" / "old.md").write_text(old_text)
    (tmp_path / "docs" / "ch5" / "old.en.md").write_text(old_text)
    (tmp_path / "docs" / "ch5" / "new.md").write_text("# New\n\n## Moved { #moved }\n")


@pytest.mark.parametrize("directory_urls, link", [(True, "../new/"), (False, "new.html")])
@pytest.mark.parametrize("src", ["ch5/old.md", "ch5/old.en.md"])
def test_a_split_page_sends_its_moved_anchors_on(tmp_path, monkeypatch, directory_urls, link,
                                                 src):
    split_site(tmp_path, monkeypatch)
    cfg = config(tmp_path, directory_urls)
    out = redirects.on_page_content("<p>old</p>", page_for(src), cfg, None)
    assert out.startswith("<p>old</p><script>")
    assert f'{{"moved": "{link}"}}' in out and "location.replace" in out
    # other pages are left alone
    assert redirects.on_page_content("<p>x</p>", page_for("ch5/new.md"), cfg,
                                     None) == "<p>x</p>"


def test_a_moved_anchor_missing_on_its_new_page_fails(tmp_path, monkeypatch):
    split_site(tmp_path, monkeypatch)
    (tmp_path / "docs" / "ch5" / "new.md").write_text("# New\n")
    with pytest.raises(PluginError, match="ch5/old.md#moved to ch5/new.md"):
        redirects.on_page_content("", page_for("ch5/old.md"), config(tmp_path), None)


def test_a_moved_anchor_still_on_the_old_page_fails(tmp_path, monkeypatch):
    split_site(tmp_path, monkeypatch, "# Old\n\n## Moved { #moved }\n")
    with pytest.raises(PluginError, match="#moved is still on ch5/old.md"):
        redirects.on_page_content("", page_for("ch5/old.md"), config(tmp_path), None)


def test_every_moved_anchor_of_the_course_is_on_its_new_page_in_both_languages():
    docs = Path(__file__).resolve().parents[1] / "docs"
    for old, moved in redirects.MOVED_ANCHORS.items():
        for suffix in (".md", ".en.md"):
            here = redirects.anchors(docs / old.replace(".md", suffix))
            for anchor, new in moved.items():
                assert anchor not in here, (old, anchor)
                assert anchor in redirects.anchors(docs / new.replace(".md", suffix)), (new,
                                                                                       anchor)
