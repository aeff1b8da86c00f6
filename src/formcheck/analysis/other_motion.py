"""Motions that are not a squat or a deadlift, said plainly instead of counted as reps.

A swing, a lunge, a calf raise and a curl move the body in ways a squat or deadlift never
does, and each is told by the part that moves unlike either lift:

- **swing** (kettlebell or dumbbell): the hips hinge and the arms swing the weight from
  between the legs at the bottom up to about shoulder height at the top. A deadlift's arms
  hang at both ends; a squat holding the hands forward raises them at the bottom, not the
  top.
- **lunge**: the feet are split, one in front of the other, and at the bottom one hip is
  bent far more than the other (front thigh level, rear thigh down). A squat bends both
  hips alike with the feet side by side.
- **calf raise**: the heels rise off the floor while the hips do not drop.
- **curl, press or raise**: only the hands move.

All distances are in the lifter's own lengths (leg or torso), so camera distance does not
matter; the swing and calf raise are read in the picture, the lunge on the world landmarks.
"""

from __future__ import annotations

import numpy as np

from formcheck.analysis.lift import world_angle
from formcheck.analysis.reps import RepWindow
from formcheck.analysis.signals import midpoint
from formcheck.config import Settings
from formcheck.track import INDEX, PoseTrack

SAID = "this does not look like a squat or deadlift"
_ONLY = (
    "formcheck analyses squats and deadlifts only, so it counts no reps and judges no form here"
)


def _spread(x: np.ndarray) -> float:
    """Return the 5th-95th percentile range of the finite values (0 with too few)."""
    finite = x[np.isfinite(x)]
    return float(np.ptp(np.percentile(finite, [5, 95]))) if finite.size >= 3 else 0.0


def _torso(track: PoseTrack) -> float:
    shoulder = midpoint(track, "left_shoulder", "right_shoulder")
    hip = midpoint(track, "left_hip", "right_hip")
    return float(np.nanmedian(np.linalg.norm(shoulder - hip, axis=1)))


def _rep_frames(reps: list[RepWindow], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return masks of the frames near the bottom and near the top (ends) of the reps."""
    bottom, top = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for w in reps:
        span = max(1, (w.end - w.start) // 8)
        bottom[max(0, w.bottom - span) : w.bottom + span + 1] = True
        top[w.start : w.start + span + 1] = True
        top[max(w.start, w.end - span) : w.end + 1] = True
    return bottom, top


def arm_swing(track: PoseTrack, reps: list[RepWindow]) -> tuple[float, float] | None:
    """Return the wrists' height over the shoulders at the reps' top and bottom (torso lengths).

    0 is shoulder height, -1 about a torso below it (arms hanging); None when the wrists
    are not seen at both.
    """
    rel = (
        midpoint(track, "left_wrist", "right_wrist")[:, 1]
        - midpoint(track, "left_shoulder", "right_shoulder")[:, 1]
    ) / _torso(track)
    bottom, top = _rep_frames(reps, track.n_frames)
    # The highest the hands get near the top, the lowest near the bottom: a swing's arms
    # are level only for a moment at the top.
    at_top = [
        np.nanmax(rel[max(0, w.end - (w.end - w.start) // 3) : w.end + 1])
        for w in reps
        if np.isfinite(rel[w.start : w.end + 1]).any()
    ]
    at_bottom = rel[bottom & np.isfinite(rel)]
    if not at_top or at_bottom.size < 3 or not top.any():
        return None
    return float(np.median(at_top)), float(np.median(at_bottom))


def lunge_cues(track: PoseTrack, reps: list[RepWindow]) -> tuple[float, float] | None:
    """Return the feet split (leg lengths) and the hip angle difference (deg) at the bottom.

    Both from the world landmarks, so a side view's hidden far leg is still placed in 3-D.
    """
    bottom, _ = _rep_frames(reps, track.n_frames)
    w = np.where(track.present[:, None, None], track.world_xyz, np.nan)
    la, ra = w[:, INDEX["left_ankle"]], w[:, INDEX["right_ankle"]]
    split = np.hypot(la[:, 0] - ra[:, 0], la[:, 2] - ra[:, 2])  # level distance, y is up-down
    legs = [
        np.linalg.norm(w[:, INDEX[f"{s}_hip"]] - w[:, INDEX[f"{s}_knee"]], axis=1)
        + np.linalg.norm(w[:, INDEX[f"{s}_knee"]] - w[:, INDEX[f"{s}_ankle"]], axis=1)
        for s in ("left", "right")
    ]
    leg = float(np.nanmedian(np.vstack(legs)))
    hip_gap = np.abs(
        world_angle(track, "left_shoulder", "left_hip", "left_knee")
        - world_angle(track, "right_shoulder", "right_hip", "right_knee")
    )
    sel = bottom & np.isfinite(split) & np.isfinite(hip_gap)
    if sel.sum() < 3 or not np.isfinite(leg) or leg <= 0:
        return None
    return float(np.median(split[sel]) / leg), float(np.median(hip_gap[sel]))


def heel_rise(track: PoseTrack, leg_px: float) -> tuple[float, float]:
    """Return how far the heels rise over the toes (leg lengths) and how the hips follow.

    The rise is the 5th-95th percentile range of the heel's height over the toe, on the
    side where it is largest; the second number is its correlation with the hip height
    (a calf raise lifts the whole body with the heels, about 1; a heel landmark hidden by
    a plate only jitters, about 0).
    """
    hip = midpoint(track, "left_hip", "right_hip")[:, 1]
    best = (0.0, 0.0)
    for side in ("left", "right"):
        gap = track.xy(f"{side}_heel")[:, 1] - track.xy(f"{side}_foot_index")[:, 1]
        ok = np.isfinite(gap) & np.isfinite(hip)
        if ok.sum() < 3 or np.std(gap[ok]) == 0 or np.std(hip[ok]) == 0:
            continue
        rise = _spread(gap) / leg_px
        if rise > best[0]:
            best = (rise, float(np.corrcoef(gap[ok], hip[ok])[0, 1]))
    return best


def _with_reps(
    track: PoseTrack, settings: Settings, reps: list[RepWindow], hinge: bool
) -> str | None:
    """Return why a clip with hip-drop 'reps' is a swing or a lunge, or None.

    ``hinge``: the lift cues found the hips bending much more than the knees (a swing's
    pattern; see :mod:`formcheck.analysis.lift`).
    """
    arms = arm_swing(track, reps) if hinge else None
    if arms is not None:
        top, bottom = arms
        if top >= settings.get("other.swing_min_top_hands") and bottom <= settings.get(
            "other.swing_max_bottom_hands"
        ):
            rep_s = float(np.median([(w.end - w.start) / track.fps for w in reps]))
            return (
                f"the arms swing the weight from {-bottom:.2f} torso lengths below the "
                f"shoulders at the bottom up to {abs(top):.2f} {'above' if top > 0 else 'below'} "
                f"them at the top, {rep_s:.1f} s a rep (a kettlebell or dumbbell swing?)"
            )
    legs = lunge_cues(track, reps)
    if legs is not None:
        split, gap = legs
        if split >= settings.get("other.lunge_min_split") and gap >= settings.get(
            "other.lunge_min_hip_difference"
        ):
            return (
                f"the feet are split {split:.2f} leg lengths apart and at the bottom one hip "
                f"bends {gap:.0f} deg more than the other (a lunge or split squat?)"
            )
    return None


def _without_reps(track: PoseTrack, settings: Settings, leg_px: float) -> str | None:
    """Return why a clip with no reps shows something else, or None when the hips drop."""
    hip = midpoint(track, "left_hip", "right_hip")
    hips = _spread(hip[:, 1]) / leg_px
    if hips >= settings.get("reps.min_depth"):
        return None
    heels, follow = heel_rise(track, leg_px)
    stayed = (
        f"the hips stayed within {hips:.2f} leg lengths of their height for the whole clip "
        f"(a rep drops them at least {settings.get('reps.min_depth'):g})"
    )
    if heels >= settings.get("other.calf_min_heel_rise") and follow >= settings.get(
        "other.calf_min_hip_follow"
    ):
        return f"{stayed}, and the heels rose {heels:.2f} leg lengths off the floor (a calf raise?)"
    moved = _hand_travel(track, settings)
    what = (
        f"the hands moved {moved:.2f} torso lengths (a curl, press or raise?)"
        if moved >= settings.get("lift.other_min_hand_travel")
        else "nothing else moved much either"
    )
    return f"{stayed}, and {what}"


def _hand_travel(track: PoseTrack, settings: Settings) -> float:
    """Return how far the better-seen wrist moves about its shoulder, torso lengths."""
    torso = _torso(track)
    moved = 0.0
    for side in ("left", "right"):
        # A wrist BlazePose mostly guesses (the far one side on) would only add its jitter.
        if np.median(track.vis(f"{side}_wrist")[track.present]) < settings.get(
            "signals.min_visibility"
        ):
            continue
        hand = track.xy(f"{side}_wrist") - track.xy(f"{side}_shoulder")
        moved = max(moved, float(np.hypot(_spread(hand[:, 0]), _spread(hand[:, 1])) / torso))
    return moved


def not_a_lift(
    track: PoseTrack,
    settings: Settings,
    leg_px: float,
    reps: list[RepWindow] | None = None,
    hinge: bool = False,
) -> str | None:
    """Return the sentence saying a clip shows no squat or deadlift, or None when it may.

    With no reps, the hips never dropped: a calf raise (heels rise), a curl, press or raise
    (hands move) or nothing. With reps, the hip drops may belong to a swing or a lunge
    (see the module notes; a swing only when ``hinge``, the lift cues' hinge pattern).
    The sentence names what moved, in numbers.
    """
    if not np.isfinite(leg_px) or leg_px <= 0:
        return None
    what = _with_reps(track, settings, reps, hinge) if reps else _without_reps(track, settings, leg_px)
    return None if what is None else f"{SAID}: {what}. {_ONLY}"
