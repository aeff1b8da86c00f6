"""Per-rep metrics of a conventional deadlift filmed side on.

A pull (see :func:`formcheck.analysis.reps.segment_pulls`) runs floor -> lockout -> floor; its
``bottom`` fields hold the lockout. Conventions as in :mod:`formcheck.analysis.squat_side`: degrees,
y-up image geometry, the trunk angle is the hip->shoulder line from vertical. Signed angles
are positive *forward* (towards the way the lifter faces) and negative behind vertical.

Notes
-----
The plates hide the hips at lockout and the feet at the floor in a side view, so BlazePose
guesses those landmarks: each metric says what it is measured against so that such a guess
moves it as little as possible (for example the lean back at lockout is read against both
vertical and the thigh line, which a misplaced hip tilts together).
"""

from __future__ import annotations

import numpy as np

from formcheck.analysis.deadlift_legs import bar_lead, leg_metrics
from formcheck.analysis.nanmath import nan_max, round_or_none
from formcheck.analysis.reps import RepWindow
from formcheck.analysis.signals import interior_angle, midpoint
from formcheck.analysis.squat_side import facing_sign
from formcheck.analysis.view import near_side
from formcheck.config import Settings
from formcheck.result import Metric, ViewResult
from formcheck.track import PoseTrack

# How far before the detected start to look for the set position (s): the pull's start is
# where the trunk has already left the floor angle by reps.dl_exit_lean.
SET_SEARCH_S = 1.5
# Below this trunk angle (deg from vertical) the lifter is standing, not yet over the bar.
UPRIGHT_DEG = 40.0


def signed_lean(lower: np.ndarray, upper: np.ndarray, facing: float) -> np.ndarray:
    """Return the lower->upper segment's angle from vertical, + forward, -180..180 deg."""
    d = upper - lower
    return np.degrees(np.arctan2(facing * d[:, 0], d[:, 1]))


def lift_off_frame(track: PoseTrack, rep: RepWindow, leg_px: float) -> int:
    """Return the set position: the last frame before lockout with the hip at its lowest.

    The hip, not the shoulders, marks the start, so hips that shoot up before the shoulders
    move are inside the pull rather than before it. The search starts after the lifter last
    stood upright (trunk under ``UPRIGHT_DEG``), so bending down to the bar is not the set.
    """
    hip = midpoint(track, "left_hip", "right_hip")[:, 1] / leg_px
    lean = np.abs(
        signed_lean(
            midpoint(track, "left_hip", "right_hip"),
            midpoint(track, "left_shoulder", "right_shoulder"),
            1.0,
        )
    )
    a = max(0, rep.start - int(SET_SEARCH_S * track.fps))
    upright = np.flatnonzero(np.nan_to_num(lean[a : rep.start + 1], nan=90.0) < UPRIGHT_DEG)
    if upright.size:
        a += int(upright[-1]) + 1
    window = hip[a : rep.bottom + 1]
    if not np.isfinite(window).any():
        return rep.start
    low = np.nanmin(window)
    near = np.flatnonzero(np.nan_to_num(window, nan=np.inf) <= low + 0.02)
    return min(a + int(near[-1]), rep.start)


def _early_pull_end(shoulder_y: np.ndarray, set_frame: int, rep: RepWindow, fraction: float) -> int:
    """Return the frame where the shoulders have made ``fraction`` of their rise.

    The shoulders, not the hips, close the window: when the hips shoot up the shoulders lag,
    so the window stretches over the whole of the fault instead of ending as the hips rise.
    """
    top = np.nanmedian(shoulder_y[rep.bottom_first : rep.bottom_last + 1])
    target = shoulder_y[set_frame] + fraction * (top - shoulder_y[set_frame])
    risen = np.nan_to_num(shoulder_y[set_frame : rep.bottom + 1], nan=-np.inf) >= target
    above = np.flatnonzero(risen)
    return set_frame + int(above[0]) if above.size else rep.bottom


def _start_metrics(
    track: PoseTrack, side: str, lean: np.ndarray, set_frame: int
) -> dict[str, Metric]:
    f = slice(set_frame, set_frame + 1)
    hip = interior_angle(
        track.xy(f"{side}_shoulder")[f], track.xy(f"{side}_hip")[f], track.xy(f"{side}_knee")[f]
    )
    knee = interior_angle(
        track.xy(f"{side}_hip")[f], track.xy(f"{side}_knee")[f], track.xy(f"{side}_ankle")[f]
    )
    return {
        "start_hip_deg": Metric(
            round_or_none(float(hip[0])), "deg", "shoulder-hip-knee at the set"
        ),
        "start_knee_deg": Metric(round_or_none(float(knee[0])), "deg", "hip-knee-ankle at the set"),
        "start_trunk_lean_deg": Metric(
            round_or_none(float(lean[set_frame])), "deg", "back angle from vertical at the set"
        ),
    }


def _lockout_lean_back(
    track: PoseTrack, side: str, facing: float, rep: RepWindow
) -> dict[str, Metric]:
    hold = slice(rep.bottom_first, rep.bottom_last + 1)
    shoulder = midpoint(track, "left_shoulder", "right_shoulder")[hold]
    hip = midpoint(track, "left_hip", "right_hip")[hold]
    knee = track.xy(f"{side}_knee")[hold]
    thigh_lean = signed_lean(knee, hip, facing or 1.0)
    # Standing, the shoulders are above the hips, the hips above the knees and the thigh
    # near vertical; anything else is a guess (head or legs out of frame, plates in front).
    plausible = (
        (shoulder[:, 1] > hip[:, 1]) & (hip[:, 1] > knee[:, 1]) & (np.abs(thigh_lean) < 35.0)
    )
    unit = "deg behind vertical (+ = leaning back)"
    if not facing or np.mean(plausible) < 0.6:
        why = "unmeasured: lockout landmarks implausible (head or legs out of frame?)"
        return {
            "lockout_lean_back_deg": Metric(None, unit, why),
            "lockout_trunk_past_vertical_deg": Metric(None, unit, why),
            "lockout_trunk_past_thigh_deg": Metric(None, unit, why),
        }
    past_vertical = -signed_lean(hip, shoulder, facing)[plausible]
    past_thigh = past_vertical + thigh_lean[plausible]
    vertical = float(np.nanpercentile(past_vertical, 90))
    thigh = float(np.nanpercentile(past_thigh, 90))
    return {
        "lockout_lean_back_deg": Metric(
            round_or_none(min(vertical, thigh)),
            unit,
            "smaller of the trunk's lean past vertical and past the thigh line at lockout",
        ),
        "lockout_trunk_past_vertical_deg": Metric(round_or_none(vertical), unit),
        "lockout_trunk_past_thigh_deg": Metric(
            round_or_none(thigh), "deg behind the knee->hip line"
        ),
    }


def _trunk(
    track: PoseTrack, view: ViewResult
) -> tuple[str, float, np.ndarray, np.ndarray]:
    """Return the measured side, the facing sign, the shoulder midpoint and the signed lean."""
    facing = facing_sign(view)
    shoulder = midpoint(track, "left_shoulder", "right_shoulder")
    hip_xy = midpoint(track, "left_hip", "right_hip")
    return near_side(view, track), facing, shoulder, signed_lean(hip_xy, shoulder, facing or 1.0)


def pull_metrics(
    track: PoseTrack,
    view: ViewResult,
    settings: Settings,
    rep: RepWindow,
    leg_px: float,
) -> dict[str, Metric]:
    """Return the metrics of one deadlift rep (see docs/analysis-schema.md)."""
    side, facing, shoulder, lean = _trunk(track, view)
    set_frame = lift_off_frame(track, rep, leg_px)
    early = _early_pull_end(
        shoulder[:, 1], set_frame, rep, settings.get("deadlift.early_pull_fraction")
    )
    early_lean = nan_max(lean[set_frame : early + 1])
    foot_px = settings.get("view.foot_length") * leg_px
    t = track.times_s
    out = _start_metrics(track, side, np.abs(lean), set_frame)
    out["early_pull_lean_change_deg"] = Metric(
        None if early_lean is None else round_or_none(early_lean - float(lean[set_frame])),
        "deg",
        "trunk lean gained before the shoulders make 40% of their rise (+ = hips first)",
    )
    out["hip_rise"] = Metric(
        round_or_none(rep.depth, 3), "leg lengths", "hip rise, floor to lockout"
    )
    lockout = slice(rep.bottom_first, rep.bottom_last + 1)
    pull = slice(set_frame, rep.bottom + 1)
    out.update(bar_lead(track, side, facing, pull, lockout, foot_px, settings))
    out.update(leg_metrics(track, side, facing, rep, set_frame, leg_px, settings))
    out.update(_lockout_lean_back(track, side, facing, rep))
    out["pull_s"] = Metric(round(float(t[rep.bottom_first] - t[set_frame]), 3), "s")
    out["lockout_s"] = Metric(round(float(t[rep.bottom_last] - t[rep.bottom_first]), 3), "s")
    out["lower_s"] = Metric(round(float(t[rep.end] - t[rep.bottom_last]), 3), "s")
    return out


def hinge_metrics(
    track: PoseTrack,
    view: ViewResult,
    settings: Settings,
    rep: RepWindow,
    leg_px: float,
) -> dict[str, Metric]:
    """Return the metrics of one Romanian / stiff-leg deadlift rep (standing -> hinge -> up).

    The rep's ``bottom`` is the deepest point of the hinge (see :mod:`formcheck.analysis.pulls`);
    standing at its start is the reference for the knees and the back.
    """
    side, facing, _, lean = _trunk(track, view)
    knee = interior_angle(
        track.xy(f"{side}_hip"), track.xy(f"{side}_knee"), track.xy(f"{side}_ankle")
    )
    sl = slice(rep.start, rep.end + 1)
    bend = nan_max(180.0 - knee[sl])
    stand = 180.0 - float(np.nanmedian(knee[rep.start : rep.start + 3]))
    t = track.times_s
    out = {
        "hinge_lean_deg": Metric(
            round_or_none(nan_max(lean[sl])), "deg", "trunk angle from vertical at the bottom"
        ),
        "hinge_knee_bend_deg": Metric(
            None if bend is None or not np.isfinite(stand) else round_or_none(bend - stand),
            "deg",
            "extra knee bend in the hinge beyond standing (an RDL keeps the knees soft and still)",
        ),
        "down_s": Metric(round(float(t[rep.bottom] - t[rep.start]), 3), "s"),
        "up_s": Metric(round(float(t[rep.end] - t[rep.bottom]), 3), "s"),
    }
    standing = np.r_[rep.start : rep.start + 3, max(rep.start, rep.end - 2) : rep.end + 1]
    foot_px = settings.get("view.foot_length") * leg_px
    out.update(
        bar_lead(track, side, facing, slice(rep.start, rep.bottom + 1), standing, foot_px, settings)
    )
    return out
