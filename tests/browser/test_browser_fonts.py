"""Chinese text in Chromium is drawn in Noto Sans CJK SC, with or without a system CJK font:
the browser gets the locked wheel's font through tools/browser_fonts.py. Without it a
machine with no CJK font shows boxes (a missing glyph is drawn in the first font, not
reported), so the test asks Chromium which fonts drew the text."""

from __future__ import annotations

import pytest

# Mark the first element of the article whose own text has a Chinese character.
MARK_CHINESE = """() => {
  const walk = document.createTreeWalker(document.querySelector("article"),
                                         NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode())
    if (/[\\u4e00-\\u9fff]/.test(node.data)) {
      node.parentElement.setAttribute("data-chinese", "");
      return node.parentElement.textContent.trim().slice(0, 40);
    }
  return null;
}"""


@pytest.mark.parametrize("path", ["", "en/glossary/"], ids=["zh-home", "en-glossary"])
def test_chinese_text_is_drawn_in_noto_sans_cjk_sc(browser, base_url, path):
    """On a Chinese page and on an English one (its lang would pick the Japanese face of
    the collection if the fontconfig file did not prefer the simplified Chinese one)."""
    page = browser.new_page()
    try:
        page.goto(base_url + path)
        text = page.evaluate(MARK_CHINESE)
        assert text, f"/{path}: no Chinese text found in the article"
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-chinese]"})
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    finally:
        page.close()
    used = {f["postScriptName"]: f["glyphCount"] for f in fonts}
    assert used.get("NotoSansCJKsc-Regular", 0) > 0, f"/{path}: {text!r} drawn in {used}"
    others = [name for name in used if "CJK" in name and name != "NotoSansCJKsc-Regular"]
    assert not others, f"/{path}: {text!r} partly drawn in {others}"
