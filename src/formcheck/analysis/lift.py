"""Which lift a clip shows - squat or deadlift - told from the motion, with the reason.

At the bottom of a deadlift (the bar on the floor) the hands are below the knees and the trunk
is bent far over; at the bottom of a squat the hands hold a bar on the shoulders, or are held
in front or behind the head, well above the knees, and the trunk is more upright. The bottom
is read where the shoulders are lowest, so set-up, walk-outs and standing do not count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.analysis.signals import angle_from_vertical, midpoint
from formcheck.config import Settings
from formcheck.track import PoseTrack

LIFTS = ("squat", "deadlift")


@dataclass
class LiftGuess:
    """The lift chosen for a clip and why, with the cues it was read from."""

    lift: str
    reason: str
    hands_below_knees: float | None  # torso lengths, + = wrists below the knees at the bottom
    trunk_lean_deg: float | None  # 95th percentile of the trunk angle from vertical


def _low_frames(track: PoseTrack) -> np.ndarray:
    """Return a mask of the frames where the shoulders are in the lowest quarter of their range."""
    y = midpoint(track, "left_shoulder", "right_shoulder")[:, 1]
    if np.isfinite(y).sum() < 3:
        return np.zeros(len(y), dtype=bool)
    lo, hi = np.nanpercentile(y, 10), np.nanpercentile(y, 90)
    return np.isfinite(y) & (y <= lo + 0.25 * (hi - lo))


def detect_lift(track: PoseTrack, settings: Settings) -> LiftGuess:
    """Return the lift a cleaned track shows (squat or deadlift) and the reason.

    Notes
    -----
    Hands clearly below the knees at the bottom mean a deadlift, unless the trunk never bends
    as far as a deadlift's (a squat holding dumbbells at the sides); hands clearly above mean
    a squat. With the wrists hidden (a bar across the back hides them side on) or near knee
    height, the trunk angle decides; with neither cue the clip is taken as a squat and the
    reason says so.
    """
    shoulder = midpoint(track, "left_shoulder", "right_shoulder")
    hip = midpoint(track, "left_hip", "right_hip")
    torso = float(np.nanmedian(np.linalg.norm(shoulder - hip, axis=1)))
    lean = angle_from_vertical(hip, shoulder)
    lean95 = float(np.nanpercentile(lean, 95)) if np.isfinite(lean).any() else None
    low = _low_frames(track)
    wrist = midpoint(track, "left_wrist", "right_wrist")[:, 1]
    knee = midpoint(track, "left_knee", "right_knee")[:, 1]
    drop = (knee - wrist) / torso  # + = wrists below the knees (y up)
    seen = low & np.isfinite(drop)
    hands = float(np.median(drop[seen])) if seen.sum() >= max(3, 0.3 * low.sum()) else None
    hands_min = settings.get("lift.hands_below_knees")
    hands_up = settings.get("lift.hands_above_knees")
    lean_text = "unknown" if lean95 is None else f"{lean95:.0f} deg"
    bent = lean95 is not None and lean95 >= settings.get("lift.deadlift_min_lean")
    if hands is not None and hands > hands_min:
        where = f"wrists {hands:.2f} torso lengths below the knees at the bottom"
        if lean95 is not None and lean95 < settings.get("lift.squat_max_lean"):
            why = (
                f"{where}, but the trunk stays within {lean_text} of vertical: weights at the sides"
            )
            return LiftGuess("squat", f"squat (detected: {why})", hands, lean95)
        why = f"{where}, trunk bent up to {lean_text} from vertical"
        return LiftGuess("deadlift", f"deadlift (detected: {why})", hands, lean95)
    if hands is not None and hands < -hands_up:
        why = (
            f"wrists {-hands:.2f} torso lengths above the knees at the bottom - a bar on the "
            f"shoulders or hands up; trunk up to {lean_text} from vertical"
        )
        return LiftGuess("squat", f"squat (detected: {why})", hands, lean95)
    # Wrists hidden, or level with the knees (not clear either way): the trunk angle decides.
    seen = "wrists hidden" if hands is None else "wrists near knee height at the bottom"
    if bent:
        why = f"{seen}; trunk bent up to {lean_text} from vertical, beyond a squat's"
        return LiftGuess("deadlift", f"deadlift (detected: {why})", hands, lean95)
    why = f"{seen}; trunk up to {lean_text} from vertical; use --lift deadlift if it is one"
    return LiftGuess("squat", f"squat (detected: {why})", hands, lean95)


def _spread(x: np.ndarray) -> float:
    """Return the 5th-95th percentile range of the finite values (0 with too few)."""
    finite = x[np.isfinite(x)]
    return float(np.ptp(np.percentile(finite, [5, 95]))) if finite.size >= 3 else 0.0


def not_a_lift(track: PoseTrack, settings: Settings, leg_px: float) -> str | None:
    """Return why a clip with no reps shows no squat or deadlift, or None when it may.

    A squat or a deadlift drops the hips; when they stay within ``reps.min_depth`` leg
    lengths for the whole clip, the motion is something else (a curl, press or raise moves
    only the hands; a calf raise lifts the body a little) or nothing at all. The sentence
    names what did move, in numbers.

    Notes
    -----
    Only called when no rep was found: a clip with reps is not second-guessed here, so a
    kettlebell swing or a lunge, which drop the hips, are still read as squats.
    """
    if not np.isfinite(leg_px) or leg_px <= 0:
        return None
    hip = midpoint(track, "left_hip", "right_hip")
    shoulder = midpoint(track, "left_shoulder", "right_shoulder")
    hips = _spread(hip[:, 1]) / leg_px
    if hips >= settings.get("reps.min_depth"):
        return None
    torso = float(np.nanmedian(np.linalg.norm(shoulder - hip, axis=1)))
    moved = 0.0
    for side in ("left", "right"):
        # A wrist BlazePose mostly guesses (the far one side on) would only add its jitter.
        if np.median(track.vis(f"{side}_wrist")[track.present]) < settings.get(
            "signals.min_visibility"
        ):
            continue
        hand = track.xy(f"{side}_wrist") - track.xy(f"{side}_shoulder")
        box = np.hypot(_spread(hand[:, 0]), _spread(hand[:, 1])) / torso
        moved = max(moved, float(box))
    what = (
        f"the hands moved {moved:.2f} torso lengths (a curl, press or raise?)"
        if moved >= settings.get("lift.other_min_hand_travel")
        else "nothing else moved much either"
    )
    return (
        f"this does not look like a squat or deadlift: the hips stayed within {hips:.2f} leg "
        f"lengths of their height for the whole clip (a rep drops them at least "
        f"{settings.get('reps.min_depth'):g}), and {what}. formcheck analyses squats and "
        "deadlifts only, so it counts no reps and judges no form here"
    )
