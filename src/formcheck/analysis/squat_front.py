"""Per-rep metrics of a squat filmed from the front: knees, stance, feet, side shift, depth.

Conventions: image geometry with y up; widths are horizontal separations of joint centres in
pixels, compared as ratios so the distance to the camera cancels; "standing" is the median
over the standing frames next to the rep (as for the side-view metrics); "bottom" is the
rep's bottom plateau. Offsets are in hip widths (the hip joint spacing, standing).

Notes
-----
2-D knee valgus agrees poorly with 3-D measurement (the knee moving forward over a turned-out
foot also brings the knees closer in the image), so ``knee_valgus`` is a flag to look at the
video, not a clinical angle. The feet's turn-out needs the toes and heels, which a front
camera sees end on; it comes from BlazePose's 3-D world landmarks and is unmeasured when the
feet are not seen well.
"""

from __future__ import annotations

import numpy as np

from formcheck.analysis.nanmath import round_or_none
from formcheck.analysis.reps import RepWindow
from formcheck.analysis.squat_side import standing_baseline
from formcheck.result import Metric
from formcheck.track import INDEX, PoseTrack

# Landmarks whose visibility must be at least this for the feet to count as seen.
FOOT_VISIBILITY = 0.5


def _width(track: PoseTrack, joint: str) -> np.ndarray:
    return np.abs(track.xy(f"left_{joint}")[:, 0] - track.xy(f"right_{joint}")[:, 0])


def _median(x: np.ndarray) -> float:
    finite = x[np.isfinite(x)]
    return float(np.median(finite)) if finite.size else float("nan")


def _bottom(x: np.ndarray, rep: RepWindow) -> float:
    return _median(x[rep.bottom_first : rep.bottom_last + 1])


def _knees(track: PoseTrack, rep: RepWindow, standing: np.ndarray) -> dict[str, Metric]:
    ratio = _width(track, "knee") / _width(track, "ankle")
    bottom = _bottom(ratio, rep)
    top = standing_baseline(ratio, rep, track.fps, standing)
    inside = _knee_inside(track, rep)
    return {
        "knee_width_ratio": Metric(
            round_or_none(bottom, 2), "ratio", "knee over ankle separation at the bottom"
        ),
        "knee_width_change": Metric(
            round_or_none(bottom / top, 2) if np.isfinite(top) and top > 0 else None,
            "ratio",
            "knee/ankle ratio at the bottom over standing (< 1 = knees closing in)",
        ),
        "knee_inside_line": Metric(
            round_or_none(inside, 3),
            "hip widths",
            "knee inside the hip-ankle line at the bottom (+)",
        ),
    }


def _knee_inside(track: PoseTrack, rep: RepWindow) -> float | None:
    """Return how far the more-caved knee sits inside its hip-ankle line, in hip widths."""
    sl = slice(rep.bottom_first, rep.bottom_last + 1)
    hip_w = _median(_width(track, "hip")[sl])
    if not np.isfinite(hip_w) or hip_w <= 0:
        return None
    centre = (track.xy("left_hip")[sl, 0] + track.xy("right_hip")[sl, 0]) / 2
    worst = []
    for side in ("left", "right"):
        hip, knee, ankle = (track.xy(f"{side}_{j}")[sl] for j in ("hip", "knee", "ankle"))
        with np.errstate(invalid="ignore", divide="ignore"):
            f = (knee[:, 1] - hip[:, 1]) / (ankle[:, 1] - hip[:, 1])
        line_x = hip[:, 0] + f * (ankle[:, 0] - hip[:, 0])
        # Inward = towards the body's midline, whichever side of the image the leg is on.
        inward = np.sign(centre - line_x) * (knee[:, 0] - line_x)
        worst.append(_median(inward))
    finite = [w for w in worst if np.isfinite(w)]
    return max(finite) / hip_w if finite else None


def _stance(track: PoseTrack, rep: RepWindow, standing: np.ndarray) -> dict[str, Metric]:
    ratio = _width(track, "ankle") / _width(track, "shoulder")
    top = standing_baseline(ratio, rep, track.fps, standing)
    if not np.isfinite(top):
        top = _median(ratio[rep.start : rep.end + 1])
    return {
        "stance_width_ratio": Metric(
            round_or_none(top, 2), "ratio", "ankle over shoulder separation, standing"
        )
    }


def _shift(track: PoseTrack, rep: RepWindow, standing: np.ndarray) -> dict[str, Metric]:
    hip_mid = (track.xy("left_hip")[:, 0] + track.xy("right_hip")[:, 0]) / 2
    feet_mid = (track.xy("left_ankle")[:, 0] + track.xy("right_ankle")[:, 0]) / 2
    hip_w = standing_baseline(_width(track, "hip"), rep, track.fps, standing)
    if not np.isfinite(hip_w):
        hip_w = _median(_width(track, "hip")[rep.start : rep.end + 1])
    offset = (hip_mid - feet_mid) / hip_w
    base = standing_baseline(offset, rep, track.fps, standing)
    if not np.isfinite(base):
        base = _median(offset[rep.start : rep.start + max(1, int(0.2 * track.fps))])
    # The bottom and the way up: where a weaker side gives way.
    moved = offset[rep.bottom_first : rep.end + 1] - base
    finite = moved[np.isfinite(moved)]
    worst = float(finite[np.argmax(np.abs(finite))]) if finite.size else None
    return {
        "lateral_shift": Metric(
            round_or_none(worst, 3),
            "hip widths",
            "hip centre's largest move from its standing place over the feet (+ = image right)",
        )
    }


def _uneven(track: PoseTrack, rep: RepWindow, standing: np.ndarray) -> dict[str, Metric]:
    d = track.xy("left_hip") - track.xy("right_hip")
    tilt = np.degrees(np.arctan2(d[:, 1], np.abs(d[:, 0])))  # + = left hip higher
    base = standing_baseline(tilt, rep, track.fps, standing)
    if not np.isfinite(base):
        base = _median(tilt[rep.start : rep.start + max(1, int(0.2 * track.fps))])
    bottom = _bottom(tilt, rep) - base
    return {
        "uneven_depth": Metric(
            round_or_none(abs(bottom), 1) if np.isfinite(bottom) else None,
            "deg",
            f"pelvis tilt at the bottom vs standing ({'left' if bottom > 0 else 'right'} "
            "hip higher)"
            if np.isfinite(bottom)
            else "pelvis tilt at the bottom vs standing",
        )
    }


def _feet_turn_out(track: PoseTrack, rep: RepWindow) -> dict[str, Metric]:
    unit = "deg (toes out from straight ahead, mean of both feet)"
    sl = slice(rep.start, rep.end + 1)
    names = [f"{s}_{j}" for s in ("left", "right") for j in ("heel", "foot_index")]
    vis = np.stack([track.vis(n)[sl] for n in names], axis=1)
    if np.mean(np.all(vis >= FOOT_VISIBILITY, axis=1)) < 0.6:
        return {"feet_turn_out": Metric(None, unit, "unmeasured: heels and toes not seen")}
    w = track.world_xyz[sl]
    # Ground plane of BlazePose world landmarks: x (lifter's left-right) and z (depth).
    hip_line = w[:, INDEX["left_hip"], [0, 2]] - w[:, INDEX["right_hip"], [0, 2]]
    # The lifter's left turned 90 deg towards where they face (MediaPipe z: - = nearer).
    forward = np.stack([hip_line[:, 1], -hip_line[:, 0]], axis=1)
    angles = []
    for side, out_sign in (("left", 1.0), ("right", -1.0)):
        foot = w[:, INDEX[f"{side}_foot_index"], [0, 2]] - w[:, INDEX[f"{side}_heel"], [0, 2]]
        cross = forward[:, 0] * foot[:, 1] - forward[:, 1] * foot[:, 0]
        dot = np.sum(forward * foot, axis=1)
        angles.append(out_sign * np.degrees(np.arctan2(cross, dot)))
    per_frame = np.mean(angles, axis=0)
    value = _median(np.where(np.abs(per_frame) < 90, per_frame, np.nan))
    return {
        "feet_turn_out": Metric(
            round_or_none(value, 1),
            unit,
            "from BlazePose 3-D world landmarks; rough (depth is guessed)",
        )
    }


def front_metrics(track: PoseTrack, rep: RepWindow, standing: np.ndarray) -> dict[str, Metric]:
    """Return the front-view metrics of one squat rep (see docs/analysis-schema.md)."""
    out: dict[str, Metric] = {}
    out.update(_knees(track, rep, standing))
    out.update(_stance(track, rep, standing))
    out.update(_feet_turn_out(track, rep))
    out.update(_shift(track, rep, standing))
    out.update(_uneven(track, rep, standing))
    return out
