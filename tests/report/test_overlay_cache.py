"""The overlay's work done once per clip draws the same pixels as doing it on every frame."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest

from formcheck.report import overlay
from formcheck.report.overlay import ANGLE, NEAR, SEVERITY_COLOUR, draw_label, plan_overlay
from formcheck.track import LANDMARKS

from .conftest import SAMPLE


def _direct_label(img, text, org, colour, unit, *, degree=False, bg=(20, 20, 20), center=False):
    # The label drawn from scratch, primitive by primitive: the oracle for the cached copy.
    scale, thick = 0.55 * unit, max(1, round(1.4 * unit))
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    ring = round(4 * unit) if degree else 0
    pad = max(2, round(4 * unit))
    if center:
        org = (org[0] - (w + 2 * ring) // 2, org[1] + h // 2)
    x = int(min(max(org[0], pad), img.shape[1] - w - 2 * ring - 2 * pad))
    y = int(min(max(org[1], h + pad), img.shape[0] - base - pad))
    cv2.rectangle(img, (x - pad, y - h - pad), (x + w + 2 * ring + pad, y + base + pad), bg, -1)
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)
    if degree:
        cv2.circle(img, (x + w + ring + 1, y - h + ring // 2 + 1), max(1, ring // 2 + 1), colour,
                   max(1, thick - 1), cv2.LINE_AA)


@pytest.fixture(scope="module")
def picture() -> np.ndarray:
    with av.open(str(SAMPLE)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i == 300:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError("the sample has fewer than 301 frames")


CASES = [
    ("knee 93", (200, 400), ANGLE, 1.52, True, (20, 20, 20), True),
    ("lean 41", (5, 5), ANGLE, 2.7, True, (20, 20, 20), True),  # pushed inside the corner
    ("REP 2 of 5", (15, 45), NEAR, 2.13, False, (0, 0, 0), False),
    ("Hips rise first", (15, 96), (255, 255, 255), 1.67, False, SEVERITY_COLOUR["fault"], False),
    ("knees/feet 0.83", (10_000, 10_000), ANGLE, 0.9, False, (20, 20, 20), False),  # far corner
    ("hip 170", (300, 900), ANGLE, 0.1, True, (20, 20, 20), True),  # tiny: a ring of size 0
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_a_label_copied_from_its_first_drawing_is_the_same_pixels(picture, case):
    text, org, colour, unit, degree, bg, center = case
    overlay._label_look.cache_clear()
    expected = picture.copy()
    _direct_label(expected, text, org, colour, unit, degree=degree, bg=bg, center=center)
    for _ in range(2):  # the first call draws the look, the second copies it
        got = picture.copy()
        draw_label(got, text, org, colour, unit, degree=degree, bg=bg, center=center)
        np.testing.assert_array_equal(got, expected)
    assert overlay._label_look.cache_info().hits == 1
    assert (expected != picture).any()  # something was drawn


def test_a_label_larger_than_the_picture_is_still_drawn_as_before():
    small = np.full((12, 30, 3), 90, np.uint8)
    expected = small.copy()
    _direct_label(expected, "REP 10 of 10", (3, 3), NEAR, 2.0, bg=(0, 0, 0))
    draw_label(small, "REP 10 of 10", (3, 3), NEAR, 2.0, bg=(0, 0, 0))
    np.testing.assert_array_equal(small, expected)


def test_a_label_whose_text_spills_out_of_its_box_is_drawn_not_copied():
    # A ring larger than the box (a degree sign at a size no frame uses) reaches outside it.
    look = overlay._label_look("7", ANGLE, 0.55, 1, 40, 2, (20, 20, 20))
    assert not look.boxed
    normal = overlay._label_look("knee 93", ANGLE, 0.55 * 1.5, 2, 6, 6, (20, 20, 20))
    assert normal.boxed


def test_joint_pixels_and_bar_trace_worked_out_once_match_each_frames_own(sample_case):
    analysis, track = sample_case
    plan = plan_overlay(analysis, track)
    assert plan.bar is not None and plan.trace is not None
    for i in range(0, track.n_frames, 7):
        for j, name in enumerate(LANDMARKS):
            xy = track.image_xy[i, j]
            seen = bool(np.all(np.isfinite(xy)) and track.visibility[i, j] >= 0.3)
            want = (round(float(xy[0])), round(float(xy[1]))) if seen else None
            assert overlay._pt(plan, i, name) == want
    # Gaps in the bar path: frames drop out of the trace but keep their order.
    bar = plan.bar.copy()
    bar[40:90] = np.nan
    bar[200] = np.nan
    trace = overlay.BarTrace.of(bar)
    for i in (0, 1, 39, 40, 60, 90, 91, 199, 200, 201, track.n_frames - 1):
        pts = bar[: i + 1]
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        want = np.round(pts).astype(np.int32).reshape(-1, 1, 2)
        np.testing.assert_array_equal(trace.poly[: int(trace.upto[i])], want)
