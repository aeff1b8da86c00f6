from __future__ import annotations

import base64
import copy
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from formcheck.errors import AnalysisError
from formcheck.pipeline import analyze_track
from formcheck.report import write_outputs
from formcheck.report.page import (
    NOT_MEDICAL_ADVICE,
    crop_to_lifter,
    fix_first,
    measured_line,
    render_page,
)
from formcheck.track import INDEX

from .conftest import SAMPLE, STRICT


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.attrs += [(tag, k, v or "") for k, v in attrs]

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def page(sample_outputs) -> str:
    return sample_outputs["report"].read_text()


def test_report_lists_every_rep_and_every_fault_of_the_json(sample_case, page):
    analysis, _ = sample_case
    doc = analysis.to_dict()  # what analysis.json holds
    assert doc["reps"], "the fixture must have reps for this test to mean anything"
    parsed = _parse(page)
    rows = {v for t, k, v in parsed.attrs if t == "tr" and k == "data-rep"}
    assert rows == {str(r["index"]) for r in doc["reps"]}
    cards = {
        v for t, k, v in parsed.attrs if t == "article" and k == "id" and v.startswith("fault-")
    }
    faults = [f for r in doc["reps"] for f in r["faults"]]
    assert len(faults) >= 2
    assert cards == {f"fault-{f['rep_index']}-{f['id']}" for f in faults}
    text = " ".join(" ".join(parsed.text).split())
    for f in faults:
        for field in ("evidence", "cue", "title"):
            assert " ".join(f[field].split()) in text
    for line in doc["summary"]:
        # The page numbers the list itself, so the engine's "1. " prefix is dropped.
        assert re.sub(r"^\d+\.\s+", "", line) in text
    assert not re.search(r"\b1\. 1\.", text)


def test_every_fault_has_its_worst_frame_as_an_embedded_still(sample_case, page):
    analysis, _ = sample_case
    for f in analysis.faults:
        card = page.split(f'id="fault-{f.rep_index}-{f.id}"', 1)[1].split("</article>", 1)[0]
        m = re.search(r'src="data:image/jpeg;base64,([^"]+)"', card)
        assert m, f"no still for {f.id} rep {f.rep_index}"
        assert base64.b64decode(m.group(1))[:2] == b"\xff\xd8"  # a JPEG
        assert f"frame {f.worst_frame})" in card


def test_report_has_no_external_url(page):
    parsed = _parse(page)
    for tag, attr, value in parsed.attrs:
        if attr in ("src", "href", "srcset", "poster", "action", "data"):
            assert value.startswith(("data:", "#")), (tag, attr, value[:60])
    without_data = re.sub(r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+", "", page)
    assert not re.search(r"https?://|ftp://|url\(\s*['\"]?(?!data:)", without_data, re.I)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?//""", without_data, re.I)
    assert "@import" not in without_data


def test_not_medical_advice_is_said_plainly_once(page):
    assert page.count(NOT_MEDICAL_ADVICE) == 1
    assert "not medical advice" in NOT_MEDICAL_ADVICE


def test_page_is_responsive_and_printable(page):
    assert 'name="viewport" content="width=device-width' in page
    assert "@media (max-width:" in page and "@media print" in page


def test_poor_view_shows_filming_advice(sample_case):
    analysis, _ = sample_case
    poor = copy.deepcopy(analysis)
    poor.view.view, poor.view.confidence = "oblique", 0.4
    poor.view.unsupported = ["forward_lean: needs a side view, the clip is oblique",
                             "depth_shallow: needs a side or oblique view"]
    poor.view.filming_advice = "Put the phone side on to you, at hip height."
    html = render_page(poor, {}, {}, [], None)
    assert "To film better next time:" in html and poor.view.filming_advice in html
    assert "cannot check: forward lean, depth shallow." in html
    assert "To film better next time:" not in render_page(analysis, {}, {}, [], None)


def test_clean_set_says_so(sample_case):
    analysis, _ = sample_case
    clean = copy.deepcopy(analysis)
    for r in clean.reps:
        r.faults = []
    clean.summary = ["No form fault found in the measurable parts of this set."]
    html = render_page(clean, {}, {}, [], None)
    assert 'class="card clean"' in html and "No faults found." in html
    assert "<ol" not in html.split('id="fix-first"')[1].split("</section>")[0]
    clean.summary = []
    assert "Nothing stood out in this set" in render_page(clean, {}, {}, [], None)


def test_fix_first_drops_only_the_leading_number(sample_case):
    analysis, _ = sample_case
    odd = copy.deepcopy(analysis)
    odd.summary = ["1. Heels lift in 1 of 3 reps - lift 2.5 kg less.", "12) Brace."]
    assert fix_first(odd) == ["Heels lift in 1 of 3 reps - lift 2.5 kg less.", "Brace."]


def test_measured_line_adds_the_unit_to_a_bare_limit(sample_case):
    analysis, _ = sample_case
    f = copy.deepcopy(analysis.faults[0])
    f.value, f.unit, f.comparison = 34.94, "deg from vertical", "> 30"
    assert measured_line(f) == "Measured 34.9 deg from vertical; flagged when > 30 deg."
    f.comparison = "> 30 deg"
    assert measured_line(f).endswith("flagged when > 30 deg.")
    f.value = None
    assert measured_line(f) == ""


def test_user_text_is_escaped(sample_case):
    analysis, _ = sample_case
    odd = copy.deepcopy(analysis)
    odd.summary = ["<script>alert(1)</script>"]
    html = render_page(odd, {}, {}, [], None)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_still_is_cropped_to_the_lifter(sample_case):
    _, track = sample_case
    img = np.zeros((track.height, track.width, 3), np.uint8)
    crop = crop_to_lifter(img, track, 315)
    assert crop.shape[0] < track.height and crop.shape[1] < track.width
    xy = track.image_xy[315]
    ok = track.visibility[315] > 0.2
    body_w = xy[ok, 0].max() - xy[ok, 0].min()
    assert crop.shape[1] < body_w * 1.6


def test_analysis_that_does_not_match_the_track_is_refused(sample_case, tmp_path):
    analysis, track = sample_case
    bad = copy.deepcopy(analysis)
    bad.series["knee_deg"] = bad.series["knee_deg"][:100]
    bad.reps[0].end_frame = 10_000
    with pytest.raises(AnalysisError, match=r"614 frames.*'knee_deg' has 100 values.*rep 1 spans"):
        write_outputs(bad, track, SAMPLE, tmp_path)


def test_every_fault_says_how_sure_and_unjudged_checks_are_listed(sample_case):
    analysis, track = sample_case
    html = render_page(analysis, {}, {}, [], None)
    assert len(re.findall(r'class="confidence[^"]*" data-confidence="', html)) == len(
        analysis.faults
    )
    # On the clean sample only the squat back-rounding check, measured but not validated
    # (rules.toml judged = false), is left unjudged.
    assert {n.id for n in analysis.not_judged} == {"back_rounding"}
    plain = html.split('id="not-judged"')[1].split("</article>")[0]
    assert "back_rounding" in plain and "forward_lean" not in plain
    # The same real track with the shoulders half-guessed (visibility just above the 0.5
    # gate): the lean check, which reads hip->shoulder, is not judged and the page says why.
    vis = track.visibility.copy()
    vis[:, [INDEX["left_shoulder"], INDEX["right_shoulder"]]] = 0.55
    poor = analyze_track(track.with_history("test: shoulders half seen", visibility=vis),
                         analysis.video, thresholds=STRICT, split_by_view=False)
    assert "forward_lean" not in {f.id for f in poor.faults}
    assert any(n.id == "forward_lean" and n.would_flag for n in poor.not_judged)
    html = render_page(poor, {}, {}, [], None)
    section = html.split('id="not-judged"')[1].split("</article>")[0]
    assert "forward_lean in rep(s) 1, 2" in section and "shoulder visibility 0.55" in section
    warnings = html.split("<h3>Warnings</h3>")[1]
    assert "not judged: forward_lean" not in warnings  # said once, in its own card
