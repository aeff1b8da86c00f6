"""Which lift a clip shows - squat or deadlift - told from the motion, with the reason.

Three cues are read where the shoulders are lowest (the bottom of the reps, so set-up,
walk-outs and standing do not count), a fourth where the motion starts, and each votes
squat, deadlift or "not telling":

- **hands**: at the bottom of a deadlift the bar is on the floor, the wrists well below the
  knees; a squat holds the bar on the shoulders or the hands in front of or behind the head.
- **hinge**: a deadlift bends mostly at the hips - the knee angle changes about half as much
  as the hip angle between standing and the bottom - while a squat bends both about alike.
- **trunk**: a deadlift's trunk is bent far over at the bottom, a squat's much less.
- **start**: before the shoulders first move, a conventional deadlift is set up bent over at
  the bar (hips closed, wrists about mid-shin); a squat starts standing with the bar on the
  shoulders or the hands up. Standing with the hands at the thighs (a Romanian deadlift, a
  goblet or landmine squat, a walk-up to the bar) is not telling.

The hinge and trunk cues are measured on BlazePose's world landmarks (metres, 3-D), so a
front view or a camera above hip height does not flatten them as it does the picture.
Most votes win; a tie falls back to the picture's trunk angle. The reason names every cue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.analysis.signals import angle_from_vertical, interior_angle, midpoint
from formcheck.config import Settings
from formcheck.track import INDEX, PoseTrack

LIFTS = ("squat", "deadlift")


@dataclass
class LiftCues:
    """What the lift is read from, each None when it could not be measured."""

    hands_below_knees: float | None  # torso lengths, + = wrists below the knees at the bottom
    trunk_lean_deg: float | None  # 95th percentile of the picture's trunk angle from vertical
    bottom_lean_deg: float | None  # 3-D trunk angle from vertical at the bottom (median)
    knee_change_deg: float | None  # 3-D knee angle, standing minus bottom (medians)
    hip_change_deg: float | None  # 3-D hip angle (shoulder-hip-knee), standing minus bottom
    start_hip_deg: float | None = None  # 3-D hip angle before the shoulders first move
    start_wrist_height: float | None = None  # wrists above the ankles then, 3-D leg lengths

    def starts_bent(self, settings: Settings) -> bool:
        """Return True when the lifter starts bent over with the hands low (set up at a bar)."""
        return (
            self.start_hip_deg is not None
            and self.start_wrist_height is not None
            and self.start_hip_deg <= settings.get("lift.start_bent_max_hip")
            and self.start_wrist_height <= settings.get("lift.start_low_max_wrist")
        )

    def starts_standing(self, settings: Settings) -> bool:
        """Return True when the lifter starts upright (hips near straight)."""
        return self.start_hip_deg is not None and self.start_hip_deg >= settings.get(
            "lift.start_standing_min_hip"
        )

    def is_hinge(self, settings: Settings) -> bool:
        """Return True when the hips bent much more than the knees (``lift.hinge_max_ratio``)."""
        ratio = self.hinge_ratio
        return (
            ratio is not None
            and self.hip_change_deg is not None
            and self.hip_change_deg >= settings.get("lift.min_hip_change")
            and ratio <= settings.get("lift.hinge_max_ratio")
        )

    @property
    def hinge_ratio(self) -> float | None:
        """Return the knee angle change over the hip angle change (None when not measured)."""
        if self.knee_change_deg is None or self.hip_change_deg is None:
            return None
        return self.knee_change_deg / self.hip_change_deg


@dataclass
class LiftGuess:
    """The lift chosen for a clip and why, with the cues it was read from."""

    lift: str
    reason: str
    hands_below_knees: float | None
    trunk_lean_deg: float | None
    cues: LiftCues | None = None


def _low_and_top_frames(track: PoseTrack) -> tuple[np.ndarray, np.ndarray]:
    """Return masks of the frames with the shoulders in the lowest and highest quarter."""
    y = midpoint(track, "left_shoulder", "right_shoulder")[:, 1]
    none = np.zeros(len(y), dtype=bool)
    if np.isfinite(y).sum() < 3:
        return none, none
    lo, hi = np.nanpercentile(y, 10), np.nanpercentile(y, 90)
    band = 0.25 * (hi - lo)
    return np.isfinite(y) & (y <= lo + band), np.isfinite(y) & (y >= hi - band)


def world_angle(track: PoseTrack, a: str, b: str, c: str) -> np.ndarray:
    """Return the 3-D angle a-b-c at ``b`` from the world landmarks, degrees 0..180."""
    w = np.where(track.present[:, None, None], track.world_xyz, np.nan)
    return interior_angle(w[:, INDEX[a]], w[:, INDEX[b]], w[:, INDEX[c]])


def world_lean(track: PoseTrack) -> np.ndarray:
    """Return the 3-D angle of the hip-to-shoulder line from vertical per frame, degrees."""
    w = np.where(track.present[:, None, None], track.world_xyz, np.nan)
    ls, rs, lh, rh = (
        INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    )
    v = (w[:, ls] + w[:, rs] - w[:, lh] - w[:, rh]) / 2  # world y points down
    return np.degrees(np.arctan2(np.hypot(v[:, 0], v[:, 2]), -v[:, 1]))


def _median(x: np.ndarray, mask: np.ndarray, min_frames: int = 3) -> float | None:
    vals = x[mask & np.isfinite(x)]
    return float(np.median(vals)) if vals.size >= min_frames else None


def _joint_change(
    track: PoseTrack, joint: tuple[str, str, str], low: np.ndarray, top: np.ndarray
) -> float | None:
    """Return how much a joint angle (both sides averaged) closes from standing to the bottom."""
    sides = [world_angle(track, *(f"{s}_{j}" for j in joint)) for s in ("left", "right")]
    angle = np.nanmean(np.vstack(sides), axis=0)
    at_top, at_low = _median(angle, top), _median(angle, low)
    return None if at_top is None or at_low is None else at_top - at_low


def start_frames(track: PoseTrack, settings: Settings) -> np.ndarray:
    """Return a mask of the frames before the shoulders first leave their starting height.

    Notes
    -----
    The motion starts when the shoulders' height moves from its median over the first
    ``lift.start_min_s`` by more than ``lift.start_move_fraction`` of their range (10th to
    90th percentile); the first ``lift.start_min_s`` always count, so a clip that starts
    mid-motion is still read from its first frames.
    """
    y = midpoint(track, "left_shoulder", "right_shoulder")[:, 1]
    mask = np.zeros(len(y), dtype=bool)
    idx = np.flatnonzero(np.isfinite(y))
    if idx.size < 3:
        return mask
    first_n = max(3, round(settings.get("lift.start_min_s") * track.fps))
    y0 = float(np.median(y[idx[:first_n]]))
    span = float(np.percentile(y[idx], 90) - np.percentile(y[idx], 10))
    moved = idx[np.abs(y[idx] - y0) > settings.get("lift.start_move_fraction") * span]
    end = moved[0] if moved.size else idx[-1] + 1
    mask[idx[0] : max(end, idx[min(first_n, idx.size) - 1] + 1)] = True
    return mask & np.isfinite(y)


def _start_posture(track: PoseTrack, start: np.ndarray) -> tuple[float | None, float | None]:
    """Return the 3-D hip angle (deg) and the wrists' height over the ankles (leg lengths).

    Both are medians over the frames of the ``start`` mask.
    """
    hip = np.nanmean(
        np.vstack(
            [
                world_angle(track, f"{s}_shoulder", f"{s}_hip", f"{s}_knee")
                for s in ("left", "right")
            ]
        ),
        axis=0,
    )
    w = np.where(track.present[:, None, None], track.world_xyz, np.nan)

    def mid(name: str) -> np.ndarray:
        return (w[:, INDEX[f"left_{name}"]] + w[:, INDEX[f"right_{name}"]]) / 2

    ankle, knee = mid("ankle"), mid("knee")
    # Thigh plus shin, so bent knees do not shorten the yardstick.
    leg = np.linalg.norm(mid("hip") - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1)
    leg_m = float(np.nanmedian(leg)) if np.isfinite(leg).any() else float("nan")
    height = (ankle[:, 1] - mid("wrist")[:, 1]) / leg_m  # world y points down
    return _median(hip, start), _median(height, start) if leg_m > 0 else None


def lift_cues(track: PoseTrack, settings: Settings) -> LiftCues:
    """Return the cues a cleaned track's lift is read from (see the module notes)."""
    shoulder = midpoint(track, "left_shoulder", "right_shoulder")
    hip = midpoint(track, "left_hip", "right_hip")
    torso = float(np.nanmedian(np.linalg.norm(shoulder - hip, axis=1)))
    lean = angle_from_vertical(hip, shoulder)
    lean95 = float(np.nanpercentile(lean, 95)) if np.isfinite(lean).any() else None
    low, top = _low_and_top_frames(track)
    wrist = midpoint(track, "left_wrist", "right_wrist")[:, 1]
    knee = midpoint(track, "left_knee", "right_knee")[:, 1]
    drop = (knee - wrist) / torso  # + = wrists below the knees (y up)
    hands = _median(drop, low, max(3, int(0.3 * low.sum())))
    start_hip, start_wrist = _start_posture(track, start_frames(track, settings))
    return LiftCues(
        hands_below_knees=hands,
        trunk_lean_deg=lean95,
        bottom_lean_deg=_median(world_lean(track), low),
        knee_change_deg=_joint_change(track, ("hip", "knee", "ankle"), low, top),
        hip_change_deg=_joint_change(track, ("shoulder", "hip", "knee"), low, top),
        start_hip_deg=start_hip,
        start_wrist_height=start_wrist,
    )


def _vote(value: float | None, deadlift_if: float, squat_if: float, *, above: bool) -> int:
    """Return +1 (deadlift), -1 (squat) or 0 for one cue and its two thresholds."""
    if value is None:
        return 0
    if above:
        return 1 if value > deadlift_if else -1 if value < squat_if else 0
    return 1 if value < deadlift_if else -1 if value > squat_if else 0


def _hands_text(cues: LiftCues) -> str:
    h = cues.hands_below_knees
    if h is None:
        return "wrists hidden at the bottom"
    if h >= 0:
        return f"wrists {h:.2f} torso lengths below the knees at the bottom"
    return f"wrists {-h:.2f} torso lengths above the knees at the bottom"


def _votes(cues: LiftCues, settings: Settings) -> dict[str, int]:
    """Return each cue's vote: +1 deadlift, -1 squat, 0 not telling."""
    ratio = cues.hinge_ratio
    hip_change = cues.hip_change_deg
    if hip_change is None or hip_change < settings.get("lift.min_hip_change"):
        ratio = None  # the hips hardly bend: no pattern to read
    return {
        "hands": _vote(
            cues.hands_below_knees,
            settings.get("lift.hands_below_knees"),
            -settings.get("lift.hands_above_knees"),
            above=True,
        ),
        "hinge": _vote(
            ratio,
            settings.get("lift.hinge_max_ratio"),
            settings.get("lift.squat_min_ratio"),
            above=False,
        ),
        "trunk": _vote(
            cues.bottom_lean_deg,
            settings.get("lift.deadlift_min_bottom_lean"),
            settings.get("lift.squat_max_bottom_lean"),
            above=True,
        ),
        "start": _start_vote(cues, settings),
    }


def _start_vote(cues: LiftCues, settings: Settings) -> int:
    """Return +1 for a start bent at the bar, -1 for standing with the hands up, else 0."""
    if cues.starts_bent(settings):
        return 1
    high = cues.start_wrist_height
    if (
        cues.starts_standing(settings)
        and high is not None
        and high >= settings.get("lift.start_high_min_wrist")
    ):
        return -1
    return 0


def _start_text(cues: LiftCues) -> str | None:
    if cues.start_hip_deg is None or cues.start_wrist_height is None:
        return None
    return (
        f"starts with the hips at {cues.start_hip_deg:.0f} deg and the wrists "
        f"{cues.start_wrist_height:.2f} leg lengths above the ankles"
    )


def _evidence(cues: LiftCues, votes: dict[str, int]) -> str:
    """Return the cues in words, each marked with the lift it points to."""
    said = {1: "deadlift", -1: "squat", 0: "not telling"}
    parts = [f"{_hands_text(cues)} ({said[votes['hands']]})"]
    if cues.knee_change_deg is not None and cues.hip_change_deg is not None:
        ratio = cues.hinge_ratio
        ratio_text = (
            f", ratio {ratio:.2f}" if ratio is not None and cues.hip_change_deg >= 1 else ""
        )
        parts.append(
            f"knees bent {cues.knee_change_deg:.0f} deg for {cues.hip_change_deg:.0f} deg at "
            f"the hips{ratio_text} ({said[votes['hinge']]})"
        )
    if cues.bottom_lean_deg is not None:
        parts.append(
            f"trunk {cues.bottom_lean_deg:.0f} deg from vertical at the bottom "
            f"({said[votes['trunk']]})"
        )
    start = _start_text(cues)
    if start is not None:
        parts.append(f"{start} ({said[votes['start']]})")
    return "; ".join(parts)


def detect_lift(track: PoseTrack, settings: Settings) -> LiftGuess:
    """Return the lift a cleaned track shows (squat or deadlift) and the reason.

    Notes
    -----
    Each cue votes (see the module notes) and most votes win. On a tie - no cue telling,
    or one for each - the picture's trunk angle decides as it did before the other cues
    (bent past ``lift.deadlift_min_lean`` is a deadlift), and with nothing at all the clip
    is taken as a squat; the reason then says to use ``--lift deadlift`` if it is one.
    """
    cues = lift_cues(track, settings)
    votes = _votes(cues, settings)
    total = sum(votes.values())
    evidence = _evidence(cues, votes)
    if total != 0:
        lift = "deadlift" if total > 0 else "squat"
        return LiftGuess(
            lift,
            f"{lift} (detected: {evidence})",
            cues.hands_below_knees,
            cues.trunk_lean_deg,
            cues,
        )
    lean95 = cues.trunk_lean_deg
    lean_text = "unknown" if lean95 is None else f"{lean95:.0f} deg"
    if lean95 is not None and lean95 >= settings.get("lift.deadlift_min_lean"):
        why = f"{evidence}; the cues tie, and the trunk bends up to {lean_text}, beyond a squat's"
        lift = "deadlift"
    else:
        why = (
            f"{evidence}; the cues tie, and the trunk bends up to {lean_text}; "
            "use --lift deadlift if it is one"
        )
        lift = "squat"
    return LiftGuess(lift, f"{lift} (detected: {why})", cues.hands_below_knees, lean95, cues)


def hinge_style_check(track: PoseTrack, settings: Settings, first_rep: int) -> str | None:
    """Return why a hinge pattern is not a Romanian deadlift, or None when the start agrees.

    Notes
    -----
    A Romanian deadlift rep starts standing with the bar at the hips and never sets up at
    the floor, so a lifter bent over with the wrists low (``starts_bent``) where the first
    counted rep starts (frame ``first_rep``) is set up at the bar for a conventional pull,
    whatever the rep pattern looked like. The posture is read over the
    ``lift.start_min_s`` up to that frame, as a pull's first frames are already rising.
    A pick-up from the floor before the set is not a rep, so it does not count.
    """
    start = np.zeros(track.n_frames, dtype=bool)
    span = max(3, round(settings.get("lift.start_min_s") * track.fps))
    start[max(0, first_rep + 1 - span) : first_rep + 1] = True  # up to the rep's start
    hip, wrist = _start_posture(track, start)
    cues = LiftCues(None, None, None, None, None, start_hip_deg=hip, start_wrist_height=wrist)
    if not cues.starts_bent(settings):
        return None
    return f"not Romanian: the first rep {_start_text(cues)}, set up at the bar"
