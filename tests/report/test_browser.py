"""The annotated video plays to the end in Chromium; the report lays out at desktop and phone
widths without sideways scrolling. Screenshots land in the pytest temp dir for a human look."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..browser import DESKTOP, PHONE, Viewport

pytestmark = pytest.mark.browser

# Resolves with what the video did; gives up after 90 s instead of hanging the run.
_PLAY = """() => new Promise(res => {
  const v = document.getElementById('v');
  v.addEventListener('ended', () => res({ended: true, t: v.currentTime, d: v.duration,
                                         w: v.videoWidth, h: v.videoHeight}));
  v.addEventListener('error', () => res({error: v.error ? v.error.code : -1}));
  setTimeout(() => res({timeout: true, t: v.currentTime, state: v.readyState}), 90000);
  v.playbackRate = 8;  // a 20 s clip ends in under 3 s
  v.play().catch(e => res({playError: String(e)}));
})"""

_DIMS = """() => ({scroll: document.documentElement.scrollWidth,
                  client: document.documentElement.clientWidth})"""

_FAULT_LAYOUT = """() => { const a = document.querySelector('article.fault');
    const t = a.querySelector('.fault-text').getBoundingClientRect();
    const f = a.querySelector('figure').getBoundingClientRect();
    return {stacked: f.top >= t.bottom - 1, figw: f.width}; }"""

_HEADER_BG = "() => getComputedStyle(document.querySelector('header.top')).backgroundColor"
_CLEAR = ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")


def test_annotated_video_plays_to_the_end_in_chromium(page, sample_case, sample_outputs,
                                                     tmp_path):
    analysis, _ = sample_case
    video = tmp_path / "annotated.mp4"
    shutil.copy(sample_outputs["video"], video)
    html = tmp_path / "play.html"
    html.write_text('<!DOCTYPE html><video id="v" src="annotated.mp4" muted playsinline>'
                    "</video>")
    page.goto(html.as_uri())
    result = page.evaluate(_PLAY)
    assert result.get("ended") is True, result
    assert result["d"] == pytest.approx(analysis.video.duration_s, abs=0.1)
    assert (result["w"], result["h"]) == (analysis.video.width, analysis.video.height)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=str)
def test_report_fits_desktop_and_phone_widths(page, viewport: Viewport, sample_outputs,
                                             tmp_path):
    page.goto(Path(sample_outputs["report"]).as_uri())
    dims = page.evaluate(_DIMS)
    assert dims["scroll"] <= dims["client"] == viewport.width  # no sideways scrolling
    shot = tmp_path / f"report_{viewport}.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 50_000
    # Every image decoded (stills and plots are data URIs, so a broken one shows 0 width).
    images = page.evaluate("() => [...document.images].map(i => i.naturalWidth)")
    assert images and all(w > 0 for w in images), images
    # Phone: the fault still sits under its text, not squeezed beside it.
    layout = page.evaluate(_FAULT_LAYOUT)
    assert layout["stacked"] is (viewport.width < 640)


def test_report_prints_without_the_dark_header(page, sample_outputs):
    page.goto(Path(sample_outputs["report"]).as_uri())
    on_screen = page.evaluate(_HEADER_BG)
    page.emulate_media(media="print")
    printed = page.evaluate(_HEADER_BG)
    assert on_screen not in _CLEAR  # the header is dark on screen, so the check can fail
    assert printed in _CLEAR
