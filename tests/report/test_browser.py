"""The annotated video plays to the end in Chromium; the report lays out at desktop and phone
widths without sideways scrolling. Screenshots land in the pytest temp dir for a human look."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .cdp import Chromium
from .conftest import chromium_binary

pytestmark = pytest.mark.browser

_PLAY = """new Promise(res => {
  const v = document.getElementById('v');
  v.addEventListener('ended', () => res({ended: true, t: v.currentTime, d: v.duration,
                                         w: v.videoWidth, h: v.videoHeight}));
  v.addEventListener('error', () => res({error: v.error ? v.error.code : -1}));
  v.playbackRate = 8;  // a 20 s clip ends in under 3 s
  v.play().catch(e => res({playError: String(e)}));
})"""


@pytest.fixture(scope="module")
def browser():
    chrome = Chromium(chromium_binary())
    yield chrome
    chrome.close()


def test_annotated_video_plays_to_the_end_in_chromium(browser, sample_case, sample_outputs,
                                                     tmp_path):
    analysis, _ = sample_case
    video = tmp_path / "annotated.mp4"
    shutil.copy(sample_outputs["video"], video)
    page = tmp_path / "play.html"
    page.write_text('<!DOCTYPE html><video id="v" src="annotated.mp4" muted playsinline>'
                    "</video>")
    browser.open_page(page.as_uri())
    result = browser.evaluate(_PLAY, timeout=90)
    assert result.get("ended") is True, result
    assert result["d"] == pytest.approx(analysis.video.duration_s, abs=0.1)
    assert (result["w"], result["h"]) == (analysis.video.width, analysis.video.height)


@pytest.mark.parametrize("width", [1280, 390])
def test_report_fits_desktop_and_phone_widths(browser, sample_outputs, width, tmp_path):
    browser.open_page(Path(sample_outputs["report"]).as_uri())
    shot = tmp_path / f"report_{width}.png"
    dims = browser.screenshot(width, shot)
    assert dims["scroll"] <= dims["client"] == width  # no sideways scrolling
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 50_000
    # Every image decoded (stills and plots are data URIs, so a broken one shows 0 width).
    broken = browser.evaluate("[...document.images].filter(i => !i.naturalWidth).length")
    assert broken == 0
    # Phone: the fault still sits under its text, not squeezed beside it.
    layout = browser.evaluate("""(() => { const a = document.querySelector('article.fault');
        const t = a.querySelector('.fault-text').getBoundingClientRect();
        const f = a.querySelector('figure').getBoundingClientRect();
        return {stacked: f.top >= t.bottom - 1, figw: f.width}; })()""")
    assert layout["stacked"] is (width < 640)


def test_report_prints_without_the_dark_header(browser, sample_outputs):
    browser.open_page(Path(sample_outputs["report"]).as_uri())
    browser.send("Emulation.setEmulatedMedia", {"media": "print"})
    bg = browser.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor")
    browser.send("Emulation.setEmulatedMedia", {"media": ""})
    assert bg in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
