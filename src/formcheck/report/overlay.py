"""Drawing on one upright frame: skeleton, joint angles, rep counter, faults, bar path."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import cv2
import numpy as np

from formcheck.analysis.view import near_side
from formcheck.result import Analysis, Fault
from formcheck.track import INDEX, PoseTrack

RGB = tuple[int, int, int]  # frames are drawn in RGB, formcheck.capture.video's order
VISIBLE = 0.3  # landmark visibility below which a joint is not drawn

# Body segments drawn as the skeleton (the face is left out: it clutters small frames).
_BODY = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")
_LIMBS = (("shoulder", "elbow"), ("elbow", "wrist"), ("shoulder", "hip"), ("hip", "knee"),
          ("knee", "ankle"), ("ankle", "heel"), ("heel", "foot_index"), ("ankle", "foot_index"),
          ("ear", "shoulder"))
_ACROSS = (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"))

NEAR: RGB = (255, 255, 255)
FAR: RGB = (150, 150, 150)
ANGLE: RGB = (255, 230, 80)  # warm yellow: the numbers to read
BAR: RGB = (0, 200, 255)  # light blue: the bar path
SEVERITY_COLOUR: dict[str, RGB] = {
    "fault": (230, 40, 40),  # red
    "info": (255, 165, 0),  # orange
    "experimental": (200, 110, 200),  # violet: measured, but not validated
}

@dataclass
class OverlayPlan:
    """What to draw on every frame, worked out once for the whole clip."""

    analysis: Analysis
    track: PoseTrack
    near: str  # "left" | "right"
    rep_at: np.ndarray  # (frames,) 1-based rep index in progress, 0 between reps
    reps_done: np.ndarray  # (frames,) reps finished before this frame
    faults_at: dict[int, list[Fault]] = field(default_factory=dict)
    bar: np.ndarray | None = None  # (frames, 2) bar proxy in pixels, y down
    unit: float = 1.0  # drawing scale: 1 at a 400-pixel short side
    points: np.ndarray = field(init=False, repr=False)  # (frames, 33, 2) int pixel positions
    seen: np.ndarray = field(init=False, repr=False)  # (frames, 33) drawn: finite and visible
    trace: BarTrace | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        xy = self.track.image_xy
        ok = np.all(np.isfinite(xy), axis=2) & (self.track.visibility >= VISIBLE)
        self.seen = ok
        self.points = np.round(np.where(ok[..., None], xy, 0.0)).astype(np.int64)
        self.trace = None if self.bar is None else BarTrace.of(self.bar)


@dataclass(frozen=True)
class BarTrace:
    """The bar path as the polyline drawn on each frame, worked out once for the clip.

    Frame ``i`` draws the first ``upto[i]`` points of ``poly``: the finite positions of
    frames ``0..i``, rounded to pixels.
    """

    poly: np.ndarray  # (finite points, 1, 2) int32
    upto: np.ndarray  # (frames,) points drawn on each frame

    @staticmethod
    def of(bar: np.ndarray) -> BarTrace:
        """Return the trace of ``bar`` (frames, 2), NaN where the bar is not seen."""
        ok = np.all(np.isfinite(bar), axis=1)
        poly = np.round(bar[ok]).astype(np.int32).reshape(-1, 1, 2)
        return BarTrace(poly=poly, upto=np.cumsum(ok))


def plan_overlay(analysis: Analysis, track: PoseTrack) -> OverlayPlan:
    """Return the per-frame drawing plan for ``analysis`` over ``track``."""
    n = track.n_frames
    rep_at = np.zeros(n, dtype=int)
    reps_done = np.zeros(n, dtype=int)
    faults_at: dict[int, list[Fault]] = {}
    for rep in analysis.reps:
        rep_at[max(rep.start_frame, 0) : min(rep.end_frame + 1, n)] = rep.index
        reps_done[min(rep.end_frame + 1, n) :] += 1
        for fault in rep.faults:
            lo, hi = fault.frame_range
            for f in range(max(lo, 0), min(hi + 1, n)):
                faults_at.setdefault(f, []).append(fault)
    return OverlayPlan(analysis=analysis, track=track, near=near_side(analysis.view, track),
                       rep_at=rep_at, reps_done=reps_done, faults_at=faults_at,
                       bar=_bar_path(analysis, track), unit=min(track.width, track.height) / 400)


def scale_plan(plan: OverlayPlan, factor: float) -> OverlayPlan:
    """Return ``plan`` for frames ``factor`` times the track's size (a video drawn smaller).

    Pixel positions and line widths scale; angles, reps and faults do not change.
    """
    if factor == 1.0:
        return plan
    t = plan.track
    track = t.with_history(f"report: drawn at {factor:.4g}x the source size",
                           image_xy=t.image_xy * factor, width=round(t.width * factor),
                           height=round(t.height * factor))
    bar = None if plan.bar is None else plan.bar * factor
    return replace(plan, track=track, bar=bar, unit=plan.unit * factor)


def _bar_path(analysis: Analysis, track: PoseTrack) -> np.ndarray | None:
    if "bar_x" in analysis.series and "bar_y" in analysis.series:
        bar = np.stack([analysis.series["bar_x"], analysis.series["bar_y"]], axis=1)
    else:  # the wrist midpoint is the bar proxy the analysis uses too
        bar = track.image_xy[:, [INDEX["left_wrist"], INDEX["right_wrist"]], :].mean(axis=1)
    if bar.shape[0] != track.n_frames or not np.isfinite(bar).any():
        return None
    return smooth_path(np.asarray(bar, dtype=float), max(1, round(0.1 * track.fps)))


def smooth_path(path: np.ndarray, half_window: int) -> np.ndarray:
    """Return ``path`` (frames, 2) averaged over +-``half_window`` frames, NaNs ignored.

    For display only: hand landmarks jitter by a few pixels a frame, which turns a drawn
    trace into a scribble that hides the drift the lifter should see.
    """
    ok = np.all(np.isfinite(path), axis=1)
    filled = np.where(ok[:, None], path, 0.0)
    # Window sums from cumulative sums: windows are clipped at the ends of the clip.
    n = len(path)
    lo = np.clip(np.arange(n) - half_window, 0, n)
    hi = np.clip(np.arange(n) + half_window + 1, 0, n)
    csum = np.vstack([np.zeros((1, 2)), np.cumsum(filled, axis=0)])
    ccount = np.concatenate([[0.0], np.cumsum(ok)])
    sums = csum[hi] - csum[lo]
    counts = (ccount[hi] - ccount[lo])[:, None]
    out = np.full_like(path, np.nan)
    np.divide(sums, counts, out=out, where=(counts > 0) & ok[:, None])
    return out


def draw_frame(image: np.ndarray, plan: OverlayPlan, i: int) -> np.ndarray:
    """Return ``image`` (drawn on in place) with frame ``i``'s overlay."""
    if i < plan.track.n_frames:
        faults = plan.faults_at.get(i, [])
        _draw_bar_path(image, plan, i)
        if plan.track.present[i]:
            _draw_skeleton(image, plan, i)
            _draw_fault_parts(image, plan, i, faults)
            if plan.analysis.view.view == "front":
                _draw_knee_separation(image, plan, i)
            else:
                _draw_side_angles(image, plan, i)
        _draw_counter(image, plan, i)
        _draw_fault_banners(image, plan, faults)
        _draw_legend(image, plan)
    return image


def draw_still(image: np.ndarray, plan: OverlayPlan, i: int,
               fault: Fault | None = None) -> np.ndarray:
    """Return ``image`` (drawn on in place) with the skeleton and ``fault``'s body part only.

    Stills are cropped to the lifter, where labels and the set-long bar trace would be cut
    off or cover the body; the page states the numbers beside the picture instead.
    """
    if i < plan.track.n_frames and plan.track.present[i]:
        _draw_skeleton(image, plan, i)
        if fault is not None:
            _draw_fault_parts(image, plan, i, [fault])
    return image


def draw_depth_guide(image: np.ndarray, plan: OverlayPlan, i: int) -> np.ndarray:
    """Return ``image`` with the thigh line (hip joint -> knee) and the horizontal through the knee.

    The hip end is the estimated hip joint centre the depth is measured from (series
    ``hip_joint_x/y``), not the hip landmark; a squat is below parallel when that end is
    under the horizontal line. Nothing is drawn when the analysis has no joint centre.
    """
    series = plan.analysis.series
    if "hip_joint_x" not in series or i >= len(series["hip_joint_x"]):
        return image
    hx, hy = float(series["hip_joint_x"][i]), float(series["hip_joint_y"][i])
    knee = _pt(plan, i, f"{plan.near}_knee")
    if knee is None or not (np.isfinite(hx) and np.isfinite(hy)):
        return image
    hip = (round(hx), round(hy))
    reach = round(1.3 * float(np.hypot(knee[0] - hx, knee[1] - hy)))
    width = max(1, round(2 * plan.unit))
    w = image.shape[1]
    for x in range(max(0, knee[0] - reach), min(w, knee[0] + reach), 4 * width + 4):
        # Dashed, so it reads as a guide rather than a body segment.
        cv2.line(image, (x, knee[1]), (min(w - 1, x + 2 * width + 2), knee[1]), BAR, width)
    cv2.line(image, hip, knee, ANGLE, width + 1, cv2.LINE_AA)
    cv2.circle(image, hip, max(3, round(4 * plan.unit)), ANGLE, -1, cv2.LINE_AA)
    return image


def _pt(plan: OverlayPlan, i: int, name: str) -> tuple[int, int] | None:
    j = INDEX[name]
    if not plan.seen[i, j]:
        return None
    x, y = plan.points[i, j].tolist()
    return x, y


def _named(plan: OverlayPlan, part: str, side: str) -> str:
    return part if part.startswith(("left_", "right_")) else f"{side}_{part}"


def _line(img: np.ndarray, plan: OverlayPlan, i: int, a: str, b: str, colour: RGB,
          width: int) -> None:
    pa, pb = _pt(plan, i, a), _pt(plan, i, b)
    if pa is not None and pb is not None:
        cv2.line(img, pa, pb, colour, width, cv2.LINE_AA)


def _draw_skeleton(img: np.ndarray, plan: OverlayPlan, i: int) -> None:
    u = plan.unit
    far = "right" if plan.near == "left" else "left"
    # Seen from the front neither side is nearer: both are drawn alike.
    far_colour = NEAR if plan.analysis.view.view == "front" else FAR
    for side, colour, width in ((far, far_colour, max(1, round(2 * u))),
                                (plan.near, NEAR, max(2, round(3 * u)))):
        for a, b in _LIMBS:
            _line(img, plan, i, f"{side}_{a}", f"{side}_{b}", colour, width)
        for part in _BODY:
            p = _pt(plan, i, f"{side}_{part}")
            if p is not None:
                cv2.circle(img, p, max(2, round(4 * u)), colour, -1, cv2.LINE_AA)
    for a, b in _ACROSS:
        _line(img, plan, i, a, b, FAR, max(1, round(2 * u)))


def _draw_fault_parts(img: np.ndarray, plan: OverlayPlan, i: int, faults: list[Fault]) -> None:
    for fault in faults:
        colour = SEVERITY_COLOUR.get(fault.severity, SEVERITY_COLOUR["fault"])
        # The body parts come with the fault, from its rule's ``highlight`` (rules.toml).
        for a, b in fault.body_parts:
            for side in (("left", "right") if plan.analysis.view.view == "front"
                         else (plan.near,)):
                _line(img, plan, i, _named(plan, a, side), _named(plan, b, side), colour,
                      max(3, round(6 * plan.unit)))


def _series_at(plan: OverlayPlan, key: str, i: int) -> float | None:
    s = plan.analysis.series.get(key)
    if s is None or i >= len(s) or not np.isfinite(s[i]):
        return None
    return float(s[i])


def _outward(vertex: tuple[int, int], ends: tuple[tuple[int, int] | None, ...],
             fallback: float) -> np.ndarray:
    """Return the unit direction pointing away from the limbs meeting at ``vertex``.

    A nearly straight joint has no outside; the label then goes ``fallback`` (+1 right,
    -1 left) so it lands beside the body rather than on it.
    """
    v = np.zeros(2)
    for o in ends:
        if o is not None:
            d = np.array(o, float) - np.array(vertex, float)
            v += d / max(np.linalg.norm(d), 1.0)
    n = np.linalg.norm(v)
    return -v / n if n > 0.5 else np.array([fallback, 0.0])


def _draw_side_angles(img: np.ndarray, plan: OverlayPlan, i: int) -> None:
    # Labels sit outside the angle they measure, so they never cover the limbs.
    u, near = plan.unit, plan.near
    sh, hip = _pt(plan, i, f"{near}_shoulder"), _pt(plan, i, f"{near}_hip")
    knee, ankle = _pt(plan, i, f"{near}_knee"), _pt(plan, i, f"{near}_ankle")
    ahead = -1.0 if plan.analysis.view.facing == "left" else 1.0
    # Straight joints: the knee's label in front of the knee, the hip's behind the seat.
    for key, vertex, ends, label, side in (("knee_deg", knee, (hip, ankle), "knee", ahead),
                                           ("hip_deg", hip, (sh, knee), "hip", -ahead)):
        value = _series_at(plan, key, i)
        if value is not None and vertex is not None:
            at = np.array(vertex) + _outward(vertex, ends, side) * 45 * u
            draw_label(img, f"{label} {value:.0f}", (int(at[0]), int(at[1])), ANGLE, u,
                       degree=True, center=True)
    lean = _series_at(plan, "trunk_lean_deg", i)
    if lean is not None and hip is not None and sh is not None:
        length = int(np.hypot(sh[0] - hip[0], sh[1] - hip[1]))
        top = (hip[0], hip[1] - length)
        _dashed(img, hip, top, ANGLE, max(1, round(2 * u)), round(8 * u))
        away = -1 if sh[0] > hip[0] else 1  # the side of the plumb line the trunk is not on
        draw_label(img, f"lean {lean:.0f}", (top[0] + away * round(45 * u), top[1]), ANGLE, u,
                   degree=True, center=True)


def _dashed(img: np.ndarray, a: tuple[int, int], b: tuple[int, int], colour: RGB, width: int,
            dash: int) -> None:
    length = max(1.0, float(np.hypot(b[0] - a[0], b[1] - a[1])))
    steps = max(1, int(length // max(dash, 1)))
    for k in range(0, steps, 2):
        t0, t1 = k / steps, min(1.0, (k + 1) / steps)
        p0 = (round(a[0] + (b[0] - a[0]) * t0), round(a[1] + (b[1] - a[1]) * t0))
        p1 = (round(a[0] + (b[0] - a[0]) * t1), round(a[1] + (b[1] - a[1]) * t1))
        cv2.line(img, p0, p1, colour, width, cv2.LINE_AA)


def _draw_knee_separation(img: np.ndarray, plan: OverlayPlan, i: int) -> None:
    u = plan.unit
    lk, rk = _pt(plan, i, "left_knee"), _pt(plan, i, "right_knee")
    la, ra = _pt(plan, i, "left_ankle"), _pt(plan, i, "right_ankle")
    if None in (lk, rk, la, ra):
        return
    assert lk is not None and rk is not None and la is not None and ra is not None
    cv2.line(img, lk, rk, ANGLE, max(1, round(2 * u)), cv2.LINE_AA)
    _dashed(img, la, ra, ANGLE, max(1, round(2 * u)), round(6 * u))
    feet = abs(la[0] - ra[0])
    if feet > 0:
        ratio = abs(lk[0] - rk[0]) / feet
        mid = ((lk[0] + rk[0]) // 2 - round(60 * u), min(lk[1], rk[1]) - round(12 * u))
        draw_label(img, f"knees/feet {ratio:.2f}", mid, ANGLE, u)


def _draw_bar_path(img: np.ndarray, plan: OverlayPlan, i: int) -> None:
    if plan.trace is None:
        return
    n = int(plan.trace.upto[i])
    if n < 2:
        return
    poly = plan.trace.poly[:n]
    cv2.polylines(img, [poly], False, BAR, max(1, round(2 * plan.unit)), cv2.LINE_AA)
    cv2.circle(img, tuple(int(v) for v in poly[-1, 0]), max(3, round(5 * plan.unit)), BAR, -1,
               cv2.LINE_AA)


def _draw_counter(img: np.ndarray, plan: OverlayPlan, i: int) -> None:
    u, total = plan.unit, len(plan.analysis.reps)
    current = int(plan.rep_at[i])
    # Between reps, say how many are done: "REPS 0 of 2" read like a score of zero.
    text = f"REP {current} of {total}" if current else f"{int(plan.reps_done[i])} of {total} done"
    draw_label(img, text, (round(10 * u), round(30 * u)), NEAR, u * 1.4, bg=(0, 0, 0))


def _draw_legend(img: np.ndarray, plan: OverlayPlan) -> None:
    # One line telling what the blue trace is: lifters read it as part of the skeleton.
    if plan.bar is None:
        return
    u = plan.unit
    draw_label(img, "blue line = bar path (hands)", (round(10 * u), img.shape[0] - round(12 * u)),
               BAR, u * 0.9)


def _draw_fault_banners(img: np.ndarray, plan: OverlayPlan, faults: list[Fault]) -> None:
    u = plan.unit
    y = round(64 * u)
    seen: set[str] = set()
    for fault in faults:
        if fault.id in seen:
            continue
        seen.add(fault.id)
        colour = SEVERITY_COLOUR.get(fault.severity, SEVERITY_COLOUR["fault"])
        draw_label(img, short_title(fault.title), (round(10 * u), y), (255, 255, 255), u * 1.1,
                   bg=colour)
        y += round(30 * u)


def short_title(title: str, limit: int = 28) -> str:
    """Return a fault title short enough for a banner on a phone-sized frame.

    The part in brackets goes first, then whole words from the end, so the banner never
    ends mid-word.
    """
    text = title.split(" (")[0].strip()
    if len(text) <= limit:
        return text
    words = text.split()
    while len(" ".join(words)) > limit - 3 and len(words) > 1:
        words.pop()
    return " ".join(words)[: limit - 3] + "..."


def draw_label(img: np.ndarray, text: str, org: tuple[int, int], colour: RGB, unit: float,
               *, degree: bool = False, bg: RGB = (20, 20, 20), center: bool = False) -> None:
    """Draw ``text`` on a filled box, its baseline starting at ``org`` (or centred on it).

    Hershey fonts have no degree glyph, so it is drawn as a small ring after the text.
    The box is drawn once per look (text, colours, size) and copied onto later frames:
    everything drawn lies inside the opaque box, so the copy is the same pixels.
    """
    look = _label_look(text, colour, 0.55 * unit, max(1, round(1.4 * unit)),
                       round(4 * unit) if degree else None, max(2, round(4 * unit)), bg)
    w, h, base, ring, pad = look.w, look.h, look.base, look.ring, look.pad
    if center:
        org = (org[0] - (w + 2 * ring) // 2, org[1] + h // 2)
    x = int(min(max(org[0], pad), img.shape[1] - w - 2 * ring - 2 * pad))
    y = int(min(max(org[1], h + pad), img.shape[0] - base - pad))
    x0, y0 = x - pad, y - h - pad
    box_h, box_w = look.box.shape[:2]
    if (look.boxed and x0 >= 0 and y0 >= 0 and y0 + box_h <= img.shape[0]
            and x0 + box_w <= img.shape[1] and img.shape[2:] == (3,)):
        img[y0 : y0 + box_h, x0 : x0 + box_w] = look.box
    else:  # the box does not fit the picture, or the text spills out of it
        _paint_label(img, text, x, y, look, colour)


@dataclass(frozen=True)
class _LabelLook:
    """One label's sizes, and its box as drawn (``boxed``: nothing drawn outside it)."""

    scale: float
    thick: int
    w: int
    h: int
    base: int
    ring: int  # the degree ring's size; 0 without one
    degree: bool
    pad: int
    bg: RGB
    box: np.ndarray
    boxed: bool


@lru_cache(maxsize=4096)
def _label_look(text: str, colour: RGB, scale: float, thick: int, ring: int | None, pad: int,
                bg: RGB) -> _LabelLook:
    """Return the look of a label (``ring`` None: no degree sign)."""
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    look = _LabelLook(scale=scale, thick=thick, w=w, h=h, base=base, ring=ring or 0,
                      degree=ring is not None, pad=pad, bg=bg, box=np.zeros((0, 0, 3), np.uint8),
                      boxed=False)
    # Drawn twice on a margin of two different colours: where they differ, the label spilled
    # out of its box and cannot be copied.
    margin = 4 * pad + 4 * thick
    box_h, box_w = h + base + 2 * pad + 1, w + 2 * look.ring + 2 * pad + 1
    boards = []
    for fill in (0, 255):
        board = np.full((box_h + 2 * margin, box_w + 2 * margin, 3), fill, np.uint8)
        _paint_label(board, text, margin + pad, margin + pad + h, look, colour)
        boards.append(board)
    inside = (slice(margin, margin + box_h), slice(margin, margin + box_w))
    outside = np.ones(boards[0].shape[:2], bool)
    outside[inside] = False
    spilled = bool(np.any(boards[0][outside] != 0) or np.any(boards[1][outside] != 255))
    box = boards[0][inside].copy()
    box.flags.writeable = False
    return replace(look, box=box, boxed=not spilled)


def _paint_label(img: np.ndarray, text: str, x: int, y: int, look: _LabelLook,
                 colour: RGB) -> None:
    w, h, base, ring, pad, thick = look.w, look.h, look.base, look.ring, look.pad, look.thick
    cv2.rectangle(img, (x - pad, y - h - pad), (x + w + 2 * ring + pad, y + base + pad), look.bg,
                  -1)
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, look.scale, colour, thick,
                cv2.LINE_AA)
    if look.degree:
        cv2.circle(img, (x + w + ring + 1, y - h + ring // 2 + 1), max(1, ring // 2 + 1), colour,
                   max(1, thick - 1), cv2.LINE_AA)
