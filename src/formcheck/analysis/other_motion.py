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
_ONLY = "formcheck analyses squats and deadlifts only, so it counts no reps and judges no form here"


def _spread(x: np.ndarray) -> float:
    """Return the 5th-95th percentile range of the finite values (0 with too few)."""
    finite = x[np.isfinite(x)]
    return float(np.ptp(np.percentile(finite, [5, 95]))) if finite.size >= 3 else 0.0


def _torso(track: PoseTrack) -> float:
    shoulder = midpoint(track, "left_shoulder", "right_shoulder")
    hip = midpoint(track, "left_hip", "right_hip")
    return float(np.nanmedian(np.linalg.norm(shoulder - hip, axis=1)))


def _span(track: PoseTrack, reps: list[RepWindow]) -> np.ndarray:
    """Return the frames the motion is read on: inside the reps, or all with no reps."""
    if not reps:
        return track.present.copy()
    span = np.zeros(track.n_frames, dtype=bool)
    for w in reps:
        span[w.start : w.end + 1] = True
    return span & track.present


def _ends(track: PoseTrack, span: np.ndarray, band: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Return masks of the frames in ``span`` with the hips lowest and highest.

    Each end is ``band`` of the hip height's 5th-95th percentile range. Read on the hips,
    not on the rep windows: a deadlift's window turns at lockout, a squat's at the bottom.
    """
    y = midpoint(track, "left_hip", "right_hip")[:, 1]
    y = np.where(span, y, np.nan)
    if np.isfinite(y).sum() < 3:
        none = np.zeros(track.n_frames, dtype=bool)
        return none, none
    lo, hi = np.nanpercentile(y, [5, 95])
    cut = band * (hi - lo)
    with np.errstate(invalid="ignore"):
        return y <= lo + cut, y >= hi - cut


def arm_swing(track: PoseTrack, reps: list[RepWindow]) -> tuple[float, float] | None:
    """Return the wrists' height over the shoulders with the hips high and low (torso lengths).

    0 is shoulder height, -1 about a torso below it (arms hanging). With the hips high the
    highest the hands get (90th percentile: a swing's arms are level only for a moment),
    with the hips low the median. None when the wrists are not seen at both.
    """
    rel = (
        midpoint(track, "left_wrist", "right_wrist")[:, 1]
        - midpoint(track, "left_shoulder", "right_shoulder")[:, 1]
    ) / _torso(track)
    low, high = _ends(track, _span(track, reps))
    at_top, at_bottom = rel[high & np.isfinite(rel)], rel[low & np.isfinite(rel)]
    if at_top.size < 3 or at_bottom.size < 3:
        return None
    return float(np.percentile(at_top, 90)), float(np.median(at_bottom))


def lunge_cues(track: PoseTrack, reps: list[RepWindow]) -> tuple[float, float] | None:
    """Return the feet split (leg lengths) and the hip angle difference (deg) at the bottom.

    Both from the world landmarks, so a side view's hidden far leg is still placed in 3-D.
    """
    bottom, _ = _ends(track, _span(track, reps))
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


def heel_rise(track: PoseTrack, leg_px: float) -> tuple[float, float, np.ndarray]:
    """Return the heels' rise over the toes (leg lengths), the hips' following, the gap.

    The rise is the 5th-95th percentile range of the heel's height over the toe; the
    following is its correlation with the hip height (a calf raise lifts the whole body with
    the heels, about 1; a heel landmark hidden by a plate only jitters, about 0); the gap is
    the heel's height over the toe per frame, about its median (pixels), on the side that
    rises most.
    """
    hip = midpoint(track, "left_hip", "right_hip")[:, 1]
    best: tuple[float, float, np.ndarray] = (0.0, 0.0, np.zeros(track.n_frames))
    for side in ("left", "right"):
        gap = track.xy(f"{side}_heel")[:, 1] - track.xy(f"{side}_foot_index")[:, 1]
        ok = np.isfinite(gap) & np.isfinite(hip)
        if ok.sum() < 3 or np.std(gap[ok]) == 0 or np.std(hip[ok]) == 0:
            continue
        rise = _spread(gap) / leg_px
        if rise > best[0]:
            follow = float(np.corrcoef(gap[ok], hip[ok])[0, 1])
            best = (rise, follow, np.nan_to_num(gap - np.nanmedian(gap)))
    return best


def _swing_or_lunge(
    track: PoseTrack, settings: Settings, reps: list[RepWindow], hinge: bool
) -> str | None:
    """Return why a clip whose hips drop is a swing or a lunge, or None.

    ``hinge``: the lift cues found the hips bending much more than the knees (a swing's
    pattern; see :mod:`formcheck.analysis.lift`).
    """
    arms = arm_swing(track, reps) if hinge else None
    if arms is not None:
        top, bottom = arms
        if top >= settings.get("other.swing_min_top_hands") and bottom <= settings.get(
            "other.swing_max_bottom_hands"
        ):
            return (
                f"the hips hinge and the arms swing the weight from {-bottom:.2f} torso "
                f"lengths below the shoulders with the hips low up to {abs(top):.2f} "
                f"{'above' if top > 0 else 'below'} them with the hips high (a kettlebell "
                "or dumbbell swing?)"
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
    hip = midpoint(track, "left_hip", "right_hip")[:, 1]
    heels, follow, gap = heel_rise(track, leg_px)
    calf = heels >= settings.get("other.calf_min_heel_rise") and follow >= settings.get(
        "other.calf_min_hip_follow"
    )
    # Rising on the toes lifts the hips with the heels; only the rest is the hips' own motion.
    hips = _spread(hip - gap if calf else hip) / leg_px
    if hips >= settings.get("reps.min_depth"):
        return None
    stayed = (
        f"the hips stayed within {hips:.2f} leg lengths of their height for the whole clip "
        f"(a rep drops them at least {settings.get('reps.min_depth'):g})"
    )
    if calf:
        return (
            f"{stayed} once the heels' rise is taken out, and the heels rose {heels:.2f} leg "
            "lengths off the floor with the body following (a calf raise?)"
        )
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

    With no reps and hips that never dropped: a calf raise (heels rise), a curl, press or
    raise (hands move) or nothing. When the hips drop (reps found, or none kept), the drops
    may belong to a swing or a lunge (see the module notes; a swing only when ``hinge``,
    the lift cues' hinge pattern), read inside the reps or over the whole clip without
    them. The sentence names what moved, in numbers.
    """
    if not np.isfinite(leg_px) or leg_px <= 0:
        return None
    what = None if reps else _without_reps(track, settings, leg_px)
    if what is None:
        what = _swing_or_lunge(track, settings, reps or [], hinge)
    return None if what is None else f"{SAID}: {what}. {_ONLY}"
