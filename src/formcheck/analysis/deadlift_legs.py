"""Deadlift checks of the legs and the bar seen side on: heels, shins and the bar's lead.

In a side view the plates hide the feet while the bar is low and the hands behind the near
plate, and BlazePose then drags the foot and wrist landmarks along with the plate. Each
measure here therefore reads its landmarks only where they can be seen and takes its
references where the body is plainly visible:

- **feet**: the feet stay on the floor in a pull, so their position is read at lockout (bar
  at the hips, feet in the clear); a heel is judged only while the toe is on the floor and the
  bar is high enough for the plate to have cleared the feet;
- **bar**: with straight arms the bar hangs on the shoulder->elbow line extended to the hand;
  the elbow is above the plate, the wrist often behind it, so the line stands in for the hand;
- **shin**: the knee->ankle line counts only when its length matches the standing shin (a
  guessed ankle shortens it).

Conventions as in :mod:`formcheck.analysis.deadlift` (y up, + forward, foot lengths).
"""

from __future__ import annotations

import numpy as np

from formcheck.analysis.nanmath import round_or_none
from formcheck.analysis.reps import RepWindow
from formcheck.analysis.signals import midpoint
from formcheck.config import Settings
from formcheck.result import Metric
from formcheck.track import PoseTrack


def sustained_max(x: np.ndarray, frames: int) -> float | None:
    """Return the largest level ``x`` holds for ``frames`` frames in a row (None if never).

    A NaN frame breaks a run, so an unseen frame cannot be part of a held fault.
    """
    if frames < 1 or len(x) < frames:
        return None
    filled = np.nan_to_num(np.asarray(x, dtype=float), nan=-np.inf, posinf=-np.inf)
    held = np.lib.stride_tricks.sliding_window_view(filled, frames).min(axis=1)
    best = float(held.max())
    return best if np.isfinite(best) else None


def _floor_y(track: PoseTrack, side: str, frames: slice) -> float:
    """Return the toe's height (y up, px) over ``frames``: the floor where the feet stand."""
    toe = track.xy(f"{side}_foot_index")[frames, 1]
    return float(np.nanmedian(toe)) if np.isfinite(toe).any() else float("nan")


def arm_line_bar_x(track: PoseTrack, side: str, settings: Settings) -> np.ndarray:
    """Return the bar's x per frame from the near arm: shoulder->elbow extended to the hand."""
    shoulder = track.xy(f"{side}_shoulder")[:, 0]
    elbow = track.xy(f"{side}_elbow")[:, 0]
    return shoulder + settings.get("deadlift.arm_to_upper_arm") * (elbow - shoulder)


def bar_lead(
    track: PoseTrack,
    side: str,
    facing: float,
    pull: slice,
    feet_at: slice | np.ndarray,
    foot_px: float,
    settings: Settings,
) -> dict[str, Metric]:
    """Return the bar's lead over mid-foot while it is below the knees (foot lengths).

    ``pull`` are the frames of the pull, ``feet_at`` the frames where the feet are in the
    clear (lockout for a pull, standing for a hinge).
    """
    unit = "foot lengths ahead of mid-foot"
    if not facing:
        return {"bar_from_midfoot": Metric(None, unit, "unmeasured: facing unknown")}
    heel, toe = track.xy(f"{side}_heel")[feet_at, 0], track.xy(f"{side}_foot_index")[feet_at, 0]
    mid = (heel + toe) / 2
    if not np.isfinite(mid).any():
        return {"bar_from_midfoot": Metric(None, unit, "unmeasured: the feet were never seen")}
    bar = arm_line_bar_x(track, side, settings)[pull]
    # Below the knees the hands hang straight above the bar; higher up they follow the thighs.
    wrist_y = midpoint(track, "left_wrist", "right_wrist")[pull, 1]
    low = wrist_y < track.xy(f"{side}_knee")[pull, 1]
    away = np.where(low, facing * (bar - float(np.nanmedian(mid))) / foot_px, np.nan)
    held = max(1, round(settings.get("deadlift.fault_hold_s") * track.fps))
    worst = sustained_max(away, held)
    if worst is None:
        return {"bar_from_midfoot": Metric(None, unit, "unmeasured: arms or knees hidden")}
    return {
        "bar_from_midfoot": Metric(
            round_or_none(worst, 3),
            unit,
            "largest bar lead over mid-foot held while the bar is below the knees (bar on the "
            "shoulder->elbow line, mid-foot at lockout)",
        ),
        "bar_from_midfoot_start": Metric(round_or_none(float(away[0]), 3), unit, "at the set"),
    }


def heel_lift(
    track: PoseTrack, side: str, rep: RepWindow, set_frame: int, leg_px: float, settings: Settings
) -> Metric:
    """Return the heel's rise over the toe in the pull, against lockout, in foot lengths.

    A frame counts when the toe is on the floor (within ``deadlift.toe_on_floor`` of its
    lockout height) and the bar is ``deadlift.heel_bar_clear`` leg lengths up, so the plates
    are clear of the feet; the rise must hold for ``deadlift.fault_hold_s``.
    """
    unit = "foot lengths of heel rise over the toe, against lockout"
    hold = slice(rep.bottom_first, rep.bottom_last + 1)
    floor = _floor_y(track, side, hold)
    heel, toe = track.xy(f"{side}_heel")[:, 1], track.xy(f"{side}_foot_index")[:, 1]
    if not (np.isfinite(floor) and np.isfinite(leg_px) and leg_px > 0):
        return Metric(None, unit, "unmeasured: the feet were not seen at lockout")
    foot_px = settings.get("view.foot_length") * leg_px
    height = (heel - toe) / foot_px
    base = float(np.nanmedian(height[hold]))
    sl = slice(set_frame, rep.bottom_last + 1)
    toe_down = np.abs(toe[sl] - floor) / foot_px < settings.get("deadlift.toe_on_floor")
    bar_y = midpoint(track, "left_wrist", "right_wrist")[sl, 1]
    clear = (bar_y - floor) / leg_px > settings.get("deadlift.heel_bar_clear")
    seen = toe_down & clear
    held = max(1, round(settings.get("deadlift.fault_hold_s") * track.fps))
    if seen.sum() < held:
        return Metric(None, unit, "unmeasured: the feet are hidden behind the plates in the pull")
    rise = sustained_max(np.where(seen, height[sl] - base, np.nan), held)
    return Metric(
        round_or_none(rise, 3),
        unit,
        f"largest heel rise held {settings.get('deadlift.fault_hold_s'):g} s with the toe down "
        f"(feet seen in {int(seen.sum())} of {len(seen)} pull frames)",
    )


def start_shin(
    track: PoseTrack, side: str, facing: float, rep: RepWindow, set_frame: int, settings: Settings
) -> Metric:
    """Return the shin's angle from vertical at the set, + knees forward, in degrees."""
    unit = "deg of shin (ankle->knee) from vertical at the set, + knees forward"
    knee, ankle = track.xy(f"{side}_knee"), track.xy(f"{side}_ankle")
    length = np.linalg.norm(knee - ankle, axis=1)
    standing = float(np.nanmedian(length[rep.bottom_first : rep.bottom_last + 1]))
    near = slice(max(0, set_frame - 2), set_frame + 3)
    d = knee[near] - ankle[near]
    ratio = length[near] / standing if standing > 0 else np.full(len(d), np.nan)
    ok = np.abs(ratio - 1.0) <= settings.get("deadlift.shin_length_tolerance")
    if not facing or not ok.any():
        return Metric(None, unit, "unmeasured: the ankle is hidden at the set (shin length off)")
    angle = np.degrees(np.arctan2(facing * d[ok, 0], d[ok, 1]))
    return Metric(
        round_or_none(float(np.median(angle))),
        unit,
        "median over the set frames whose shin length matches the standing shin",
    )


def leg_metrics(
    track: PoseTrack,
    side: str,
    facing: float,
    rep: RepWindow,
    set_frame: int,
    leg_px: float,
    settings: Settings,
) -> dict[str, Metric]:
    """Return the heel and shin metrics of one pull (see docs/analysis-schema.md)."""
    return {
        "pull_heel_lift": heel_lift(track, side, rep, set_frame, leg_px, settings),
        "start_shin_deg": start_shin(track, side, facing, rep, set_frame, settings),
    }
