"""The web app in real Chromium (Playwright): upload -> progress -> report with the reps and
the video playing to its end, at phone and desktop size; triage through the body map; log
import -> chart; a bad upload -> an error page. Screenshots go to $FORMCHECK_SHOTS if set."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ..browser import PHONE, Viewport
from .conftest import SHORT_CLIP, LiveServer, example_answers, form_fields

pytestmark = [pytest.mark.browser, pytest.mark.clips]
DESKTOP = Viewport(1280, 800)
SIZES = [PHONE, DESKTOP]
LOG_CSV = Path(__file__).resolve().parents[1] / "log" / "fixtures" / "hevy_kg.csv"


def shot(page, name: str, viewport: Viewport) -> None:
    folder = os.environ.get("FORMCHECK_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}-{viewport.width}.png", full_page=True)


def _fits(page) -> bool:
    # Nothing wider than the window: the page must not scroll sideways on a phone.
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("viewport", SIZES, ids=str)
def test_upload_progress_report_and_video_plays(page, viewport, live_server: LiveServer) -> None:
    page.goto(live_server.url)
    shot(page, "home", viewport)
    assert _fits(page)
    page.set_input_files("#video", str(SHORT_CLIP))
    page.select_option("#lift", "deadlift")
    page.click("#analyse")
    page.wait_for_url(re.compile(r"/analyses/[0-9a-f]{32}$"), timeout=60_000)
    if page.locator("#job").count():
        page.wait_for_selector("#stage", timeout=10_000)
        shot(page, "progress", viewport)
    page.wait_for_selector("#report", timeout=150_000)
    reps = int(page.get_attribute("#report", "data-reps"))
    assert reps >= 1
    assert page.locator("#reps tr[data-rep]").count() == reps
    assert page.locator("#fix-first").is_visible()
    ended = page.evaluate("""() => new Promise((resolve) => {
        const v = document.getElementById('annotated');
        v.muted = true; v.playbackRate = 4;
        v.addEventListener('ended', () => resolve(v.currentTime), {once: true});
        v.addEventListener('error', () => resolve(-1), {once: true});
        v.play().catch(() => resolve(-2));
    })""")
    duration = page.evaluate("document.getElementById('annotated').duration")
    assert ended > 0 and abs(ended - duration) < 0.2, (ended, duration)
    shot(page, "report", viewport)
    assert _fits(page)
    page.goto(live_server.url + "analyses")
    assert page.locator("#history .row").count() >= 1
    shot(page, "history", viewport)
    page.goto(live_server.url + "compare")
    page.click("form.pick-two button")
    page.wait_for_selector("#compare-table")
    assert page.locator("#compare-table tbody tr").count() >= 1
    shot(page, "compare", viewport)


@pytest.mark.parametrize("viewport", SIZES, ids=str)
def test_triage_through_the_body_map(page, viewport, live_server: LiveServer) -> None:
    page.goto(live_server.url + "triage")
    for flag in page.locator("#red-flags input[value=n]").all():
        flag.check()
    page.click('.map-back [data-region="lower_back_left"]')
    page.click('.map-back [data-region="lower_back_right"]')
    assert page.is_checked("#region-lower_back_left") and page.is_checked(
        "#region-lower_back_right")
    assert "picked" in page.get_attribute('.map-back [data-region="lower_back_left"]', "class")
    page.select_option("#q-quality", "dull")
    page.select_option("#q-onset", "next_day")
    page.fill("#q-hours_since_onset", "30")
    page.select_option("#q-side", "both_sides")
    shot(page, "triage", viewport)
    assert _fits(page)
    page.click("#triage-submit")
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-verdict") == "keep_training"
    shot(page, "verdict", viewport)


@pytest.mark.parametrize("verdict", sorted(example_answers()))
def test_each_verdict_through_the_form_and_body_map(page, live_server: LiveServer,
                                                    verdict: str) -> None:
    answers = example_answers()[verdict]
    page.goto(live_server.url + "triage")
    for name, values in form_fields(answers).items():
        if name == "regions":
            for region in values:  # through the body map, as a lifter would
                page.locator(f'.bodymap [data-region="{region}"]').first.click()
                assert page.is_checked(f"#region-{region}")
        elif page.locator(f'select[name="{name}"]').count():
            page.select_option(f'select[name="{name}"]', values[0])
        elif page.locator(f'input[type=radio][name="{name}"]').count():
            page.check(f'input[name="{name}"][value="{values[0]}"]')
        else:
            page.fill(f'input[name="{name}"]', values[0])
    if page.locator("#use-video").count():
        page.uncheck("#use-video")  # the example answers are judged without a video
    page.click("#triage-submit")
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-verdict") == verdict


@pytest.mark.parametrize("viewport", SIZES, ids=str)
def test_log_import_then_chart(page, viewport, live_server: LiveServer) -> None:
    page.goto(live_server.url + "log")
    page.set_input_files("#import-file", str(LOG_CSV))
    page.click("#import button")
    page.wait_for_selector("#import-summary")
    assert int(page.inner_text("#sets-added")) >= 0
    page.click("text=See the log and charts")
    page.wait_for_selector("#sessions")
    width = page.evaluate("""() => new Promise((resolve) => {
        const img = document.getElementById('chart-strength');
        if (img.complete) resolve(img.naturalWidth);
        else img.addEventListener('load', () => resolve(img.naturalWidth));
    })""")
    assert width > 300
    shot(page, "log", viewport)
    assert _fits(page)
    page.goto(live_server.url + "log/advice")
    shot(page, "advice", viewport)


@pytest.mark.parametrize("viewport", [PHONE], ids=str)
def test_a_text_file_renamed_mp4_gets_a_clear_error(page, viewport, live_server: LiveServer,
                                                    tmp_path: Path) -> None:
    fake = tmp_path / "squat.mp4"
    fake.write_text("these are my notes, not a video\n" * 100)
    before = len(list((live_server.data_dir / "jobs").glob("*")))
    page.goto(live_server.url)
    page.set_input_files("#video", str(fake))
    page.click("#analyse")
    page.wait_for_selector("#error")
    assert "not a video" in page.inner_text("#error")
    assert "squat.mp4" in page.inner_text("#error")
    shot(page, "error", viewport)
    assert len(list((live_server.data_dir / "jobs").glob("*"))) == before
