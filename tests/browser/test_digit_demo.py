"""Chapter 5's in-browser demo (docs/ch5/deploy.md#try-it), in Chromium as a reader uses it.

Chromium's fake microphone plays a WAV file (``--use-file-for-fake-audio-capture``): an FSDD
test recording with silence around it must come back as its digit, and silence as "no
digit". A file given to the demo (chosen, or dropped on the box) must get the answer
``predict.py`` gives (:meth:`audiodl.recognise.Predictor.judge`) for at least 98 % of 50 test
recordings. Nothing heavy loads before a press, nothing goes to another host, the console
stays clean, a refused microphone gets its message, and after an answer the box has no
serious accessibility problem and fits a 390 px phone screen.
"""

from __future__ import annotations

import base64
import contextlib
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import soundfile
from served_site import AXE_JS, CHROMIUM, CHROMIUM_ARGS, INSTALL_AXE, browser_fonts

PAGES = {"zh": "ch5/deploy/", "en": "en/ch5/deploy/"}
FIRST_LOAD_LIMIT = 700 * 1024  # bytes a first visit may download (issue 23)
SETTLED = ("['done', 'error'].includes("
           "document.querySelector('.digit-demo').dataset.state)")


def fsdd_test_clips():
    from audiodl.datasets import SpokenDigits

    return SpokenDigits("test").clips


@pytest.fixture(scope="module")
def mic_files(tmp_path_factory) -> dict[str, Path]:
    """WAVs for the fake microphone: theo saying 4 (a test take) between 0.5 s of silence
    before and 4 s after (the recording lasts 2.5 s), and 6 s of silence."""
    folder = tmp_path_factory.mktemp("mic")
    clip = next(c for c in fsdd_test_clips() if (c.speaker, c.digit, c.index) == ("theo", 4, 2))
    x, sr = soundfile.read(clip.path, dtype="float32")
    files = {"four": folder / "theo_4.wav", "silence": folder / "silence.wav"}
    soundfile.write(files["four"], np.concatenate([np.zeros(sr // 2), x, np.zeros(4 * sr)]),
                    sr, subtype="PCM_16")
    soundfile.write(files["silence"], np.zeros(6 * sr), sr, subtype="PCM_16")
    return files


@contextlib.contextmanager
def chromium_with(browser, *flags: str):
    """Another Chromium from the session's Playwright, started with ``flags``: the fake
    microphone is chosen when the browser starts."""
    other = browser.browser_type.launch(executable_path=str(CHROMIUM),
                                        args=CHROMIUM_ARGS + list(flags),
                                        env=browser_fonts.environment())
    try:
        yield other
    finally:
        other.close()


def fake_mic(wav: Path) -> list[str]:
    return ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}"]


class Watched:
    """A page, with its requests, the bytes it downloaded and its console errors."""

    def __init__(self, page, base_url: str):
        self.page, self.host = page, urlsplit(base_url).netloc
        self.urls: list[str] = []
        self.bytes = 0
        self.errors: list[str] = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("response", self._count)
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url} {r.failure}"))

    def _count(self, response):
        with contextlib.suppress(Exception):  # a redirect has no body
            self.bytes += len(response.body())

    def foreign(self) -> list[str]:
        return [u for u in self.urls
                if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != self.host]

    def answer(self) -> tuple[str | None, str]:
        """(data-digit: "0".."9" or "none"; None after an error), and the status line."""
        self.page.wait_for_function(SETTLED, timeout=60_000)
        box = self.page.locator(".digit-demo")
        return box.get_attribute("data-digit"), self.page.inner_text(".digit-demo__status")


def open_demo(browser, base_url: str, lang: str = "en", **context) -> Watched:
    page = browser.new_context(**context).new_page()
    watched = Watched(page, base_url)
    page.goto(base_url + PAGES[lang], wait_until="load")
    page.wait_for_function("document.querySelector('.digit-demo').dataset.state === 'idle'")
    return watched


def drop(page, path: Path) -> None:
    """Drop a file on the box, as a reader dragging it from their desktop."""
    data = base64.b64encode(path.read_bytes()).decode()
    transfer = page.evaluate_handle("""([name, data]) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, {type: "audio/wav"}));
        return transfer;
    }""", [path.name, data])
    page.dispatch_event(".digit-demo", "drop", {"dataTransfer": transfer})


@pytest.mark.parametrize("lang", PAGES)
def test_microphone_names_the_digit_and_silence_is_no_digit(base_url, browser, mic_files, lang):
    with chromium_with(browser, *fake_mic(mic_files["four"])) as other:
        demo = open_demo(other, base_url, lang)
        print(f"{lang}: first load {demo.bytes} bytes")
        assert demo.bytes < FIRST_LOAD_LIMIT, f"first load {demo.bytes} bytes"
        heavy = [u for u in demo.urls if u.endswith((".onnx", ".wasm", "ort.wasm.min.js"))]
        assert not heavy, f"loaded before any press: {heavy}"
        demo.page.click(".digit-demo__record")
        digit, status = demo.answer()
        assert digit == "4", status
        assert any(u.endswith(".wasm") for u in demo.urls), "the runtime was not loaded"
        assert not demo.foreign(), demo.foreign()
        assert not demo.errors, demo.errors
    with chromium_with(browser, *fake_mic(mic_files["silence"])) as other:
        demo = open_demo(other, base_url, lang)
        demo.page.click(".digit-demo__record")
        digit, status = demo.answer()
        assert digit == "none", status
        assert not demo.errors, demo.errors


def test_dropped_file_and_50_chosen_files_agree_with_predict(base_url, browser, tmp_path):
    from audiodl.datasets import read_audio
    from audiodl.recognise import load_predictor, to_8k_mono

    predictor = load_predictor(log=lambda _: None)
    clips = fsdd_test_clips()[::6]  # 50 of the 300: every speaker and digit
    assert len(clips) == 50
    demo = open_demo(browser, base_url)
    drop(demo.page, clips[0].path)
    dropped, status = demo.answer()
    assert dropped == str(clips[0].digit), status

    agree, disagree = 0, []
    for clip in clips:
        samples, sr = read_audio(clip.path)
        m, why = predictor.judge(to_8k_mono(samples, sr))
        expected = "none" if why else str(m.digit)
        demo.page.set_input_files(".digit-demo input[type=file]", str(clip.path))
        got, status = demo.answer()
        if got == expected:
            agree += 1
        else:
            disagree.append(f"{clip.path.name}: page {got} ({status}), predict.py {expected}")
    print(f"the page agrees with predict.py on {agree} of {len(clips)} test recordings")
    assert agree >= 0.98 * len(clips), f"{agree}/{len(clips)} agree: {disagree}"
    assert not demo.foreign(), demo.foreign()
    assert not demo.errors, demo.errors


@pytest.mark.parametrize("rate, channels, fmt, within", [
    (44100, 2, "WAV", 0.001), (48000, 1, "FLAC", 0.001),
    (16000, 2, "OGG", 0.05),  # lossy: libvorbis here, the browser's own decoder there
])
def test_other_rates_and_formats_get_predicts_probabilities(base_url, browser, tmp_path,
                                                            rate, channels, fmt, within):
    """The page resamples as predict.py does (scipy's resample_poly, ported), from the rate
    the file states: the same answers, and the same probabilities but for rounding (for
    Ogg Vorbis, but for two decoders' differences)."""
    from scipy.signal import resample_poly

    from audiodl.datasets import read_audio
    from audiodl.recognise import load_predictor, to_8k_mono

    predictor = load_predictor(log=lambda _: None)
    demo = open_demo(browser, base_url)
    for clip in fsdd_test_clips()[::60]:  # 5 recordings
        x, sr = soundfile.read(clip.path, dtype="float32")
        y = resample_poly(x, rate // 100, sr // 100)
        samples = np.stack([y, 0.5 * y][:channels], axis=1)
        path = tmp_path / f"{clip.path.stem}.{fmt.lower()}"
        soundfile.write(path, samples, rate, format=fmt)
        s, r = read_audio(path)
        m, why = predictor.judge(to_8k_mono(s, r))
        demo.page.set_input_files(".digit-demo input[type=file]", str(path))
        digit, status = demo.answer()
        assert digit == ("none" if why else str(m.digit)), (path.name, status)
        p = float(demo.page.get_attribute(".digit-demo", "data-probability"))
        assert abs(p - m.probability) < within, (path.name, p, m.probability)
    assert not demo.errors, demo.errors


def test_refused_microphone_says_so_and_files_still_work(base_url, browser, mic_files):
    # No fake permission prompt: headless Chromium with the permission denied refuses.
    with chromium_with(browser, "--use-fake-device-for-media-stream",
                       f"--use-file-for-fake-audio-capture={mic_files['four']}") as other:
        demo = open_demo(other, base_url, "zh", permissions=[])
        demo.page.context.clear_permissions()
        demo.page.click(".digit-demo__record")
        digit, status = demo.answer()
        assert digit is None and "许可" in status, status
        demo.page.set_input_files(".digit-demo input[type=file]", str(mic_files["four"]))
        digit, status = demo.answer()
        assert digit == "4", status


def bad_file(kind: str, folder: Path, four: Path) -> Path:
    """A file predict.py refuses (audiodl.datasets.read_audio), named after what is wrong."""
    path = folder / f"{kind}.wav"
    if kind == "text":
        path.write_text("not audio")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":  # the header announces more samples than the file holds
        path.write_bytes(four.read_bytes()[:-4000])
    elif kind == "nan":  # float samples, some NaN
        samples = soundfile.read(four, dtype="float32")[0]
        samples[9000:9100] = np.nan
        soundfile.write(path, samples, 8000, subtype="FLOAT")
    return path


@pytest.mark.parametrize("kind, says", [
    ("text", "cannot be decoded"), ("empty", "empty file (0 bytes)"),
    ("truncated", "truncated: its header announces"), ("nan", "NaN or infinite"),
])
def test_a_file_predict_refuses_gets_its_message_and_no_answer(base_url, browser, mic_files,
                                                                 tmp_path, kind, says):
    from audiodl.datasets import read_audio

    path = bad_file(kind, tmp_path, mic_files["four"])
    with pytest.raises(ValueError):
        read_audio(path)  # predict.py refuses it too
    demo = open_demo(browser, base_url)
    demo.page.set_input_files(".digit-demo input[type=file]", str(mic_files["four"]))
    assert demo.answer()[0] == "4"
    demo.page.set_input_files(".digit-demo input[type=file]", str(path))
    digit, status = demo.answer()
    assert digit is None and path.name in status and says in status, status
    assert demo.page.inner_text(".digit-demo__answer") == "", "the last answer stayed"
    assert not demo.errors, demo.errors


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_answer_fits_a_phone_and_passes_axe(base_url, browser, mic_files, scheme):
    demo = open_demo(browser, base_url, "zh", viewport={"width": 390, "height": 844},
                     is_mobile=True, has_touch=True, color_scheme=scheme)
    demo.page.set_input_files(".digit-demo input[type=file]", str(mic_files["four"]))
    assert demo.answer()[0] == "4"
    width = demo.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 391, f"the page is {width} px wide on a 390 px screen"
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is not installed at {AXE_JS}: {INSTALL_AXE}")
    demo.page.add_script_tag(path=str(AXE_JS))
    violations = demo.page.evaluate(
        "() => axe.run(document.querySelector('.digit-demo'), {resultTypes: ['violations']})"
        ".then((r) => r.violations.filter((v) => ['serious', 'critical'].includes(v.impact))"
        ".map((v) => v.id + ': ' + v.help))")
    assert not violations, violations


def test_offline_edition_says_the_demo_needs_the_website(browser, site_dir):
    page = browser.new_page()
    page.goto((site_dir / "ch5" / "deploy" / "index.html").as_uri())
    page.wait_for_function("document.querySelector('.digit-demo').dataset.state === 'idle'")
    assert "离线版" in page.inner_text(".digit-demo__status")
    page.set_input_files(".digit-demo input[type=file]", str(Path(__file__)))
    page.wait_for_function(SETTLED)
    assert "离线版" in page.inner_text(".digit-demo__status")
    page.close()
