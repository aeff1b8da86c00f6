"""Camera-view detection: side (facing left or right), front, back or oblique, and near side.

Seen side on, the two shoulders and the two hips overlap in the image; seen from the front or
back they are about a torso length apart. Which way a side-on lifter faces comes from where the
toes point (heel -> toe) and where the nose sits relative to the ears. The nearer body side is
the one BlazePose sees better; for a side view it is also implied by the facing direction.
"""

from __future__ import annotations

import numpy as np

from formcheck.config import Settings
from formcheck.result import ViewResult
from formcheck.track import INDEX, PoseTrack

FILMING_ADVICE = (
    "Film side on, with the phone at hip height about 3-4 m away, the whole body and the bar "
    "in frame for every rep; for knees caving in, add a second clip from the front."
)
SIDE_ONLY = [
    "forward lean",
    "hips rising first",
    "neck position",
    "heel lift",
    "knee travel past toes",
    "bar path",
    "back rounding",
]


def _median(x: np.ndarray) -> float:
    finite = x[np.isfinite(x)]
    return float(np.median(finite)) if finite.size else float("nan")


def _yaw_cues(track: PoseTrack, settings: Settings, leg_px: float) -> dict[str, float]:
    """Return body-yaw estimates (deg, 90 = side on) from independent cues."""
    ls, rs = track.xy("left_shoulder"), track.xy("right_shoulder")
    lh, rh = track.xy("left_hip"), track.xy("right_hip")
    with np.errstate(invalid="ignore", divide="ignore"):
        torso = np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2, axis=1)
        shoulder = _median(np.abs(ls[:, 0] - rs[:, 0]) / torso)
        hip = _median(np.abs(lh[:, 0] - rh[:, 0]) / torso)
        foot = (
            np.nanmax(
                [
                    _median(np.abs(track.xy(f"{s}_foot_index")[:, 0] - track.xy(f"{s}_heel")[:, 0]))
                    for s in ("left", "right")
                ]
            )
            / leg_px
        )
    world = track.world_xyz[:, INDEX["left_hip"]] - track.world_xyz[:, INDEX["right_hip"]]
    cues = {
        "shoulder width": np.degrees(
            np.arccos(np.clip(shoulder / settings.get("view.shoulder_width"), 0, 1))
        ),
        "hip width": np.degrees(np.arccos(np.clip(hip / settings.get("view.hip_width"), 0, 1))),
        "foot length": np.degrees(
            np.arcsin(np.clip(foot / settings.get("view.foot_length"), 0, 1))
        ),
        "3-D hip line": _median(np.degrees(np.arctan2(np.abs(world[:, 2]), np.abs(world[:, 0])))),
    }
    return {k: float(v) for k, v in cues.items() if np.isfinite(v)}


def _facing_sign(track: PoseTrack) -> float:
    """Return +1 when the lifter faces image-right, -1 for left, 0 when unknown."""
    votes = []
    for side in ("left", "right"):
        heel, toe = track.xy(f"{side}_heel"), track.xy(f"{side}_foot_index")
        votes.append(_median(np.sign(toe[:, 0] - heel[:, 0])))
    ears = (track.xy("left_ear") + track.xy("right_ear")) / 2
    votes.append(_median(np.sign(track.xy("nose")[:, 0] - ears[:, 0])))
    finite = [v for v in votes if np.isfinite(v)]
    if not finite:
        return 0.0
    return float(np.sign(np.sum(finite)))


def near_side(view: ViewResult, track: PoseTrack) -> str:
    """Return the body side nearer the camera: the view's, else the better-seen knee's.

    The one answer to "which leg is measured": the metrics and the report's overlay both
    call it, so the overlay highlights the leg the numbers are about.
    """
    if view.near_side:
        return view.near_side
    scores = {s: float(np.nanmean(track.vis(f"{s}_knee"))) for s in ("left", "right")}
    return max(scores, key=lambda k: scores[k])


def _near_side_by_visibility(track: PoseTrack) -> tuple[str, float]:
    joints = ("shoulder", "hip", "knee", "ankle")
    scores = {}
    for side in ("left", "right"):
        vis = np.stack([track.vis(f"{side}_{j}") for j in joints], axis=1)
        scores[side] = float(np.mean(vis[track.present])) if track.present.any() else 0.0
    near = max(scores, key=lambda k: scores[k])
    return near, abs(scores["left"] - scores["right"])


def _front_or_back(track: PoseTrack) -> str:
    """Return "front" or "back": seen from the front, the lifter's left is on image right."""
    left_right = _median(track.xy("left_shoulder")[:, 0] - track.xy("right_shoulder")[:, 0])
    face_vis = _median(track.vis("nose")[track.present]) if track.present.any() else 0.0
    if left_right > 0 or face_vis > 0.8:
        return "front"
    return "back"


def detect_view(track: PoseTrack, settings: Settings, leg_px: float) -> ViewResult:
    """Return the camera view of a cleaned track, with its reason and filming advice."""
    cues = _yaw_cues(track, settings, leg_px)
    if not cues:
        return ViewResult(
            "unknown", None, None, 0.0, "no torso or feet visible", SIDE_ONLY, FILMING_ADVICE
        )
    # Rounded: the cues come from float reductions whose last bits depend on the BLAS
    # threads of the process (a Ray actor vs a local worker), and the JSON must not.
    yaw = round(float(np.median(list(cues.values()))), 2)
    spread = round(float(np.ptp(list(cues.values()))), 2)
    detail = ", ".join(f"{k} {v:.0f}" for k, v in cues.items())
    side_min = settings.get("view.side_min_yaw")
    front_max = settings.get("view.front_max_yaw")
    # Confidence falls with the distance to the nearest boundary and the cues' disagreement.
    margin = min(abs(yaw - side_min), abs(yaw - front_max))
    confidence = round(float(np.clip(0.5 + margin / 40 - spread / 200, 0.3, 1.0)), 3)
    vis_near, _ = _near_side_by_visibility(track)
    if yaw >= side_min:
        facing = _facing_sign(track)
        facing_name = "right" if facing > 0 else "left" if facing < 0 else None
        # Facing image-right, the lifter's right side is the one toward the camera.
        near = facing_name or vis_near
        reason = f"body turned {yaw:.0f} deg to the camera ({detail}); faces {facing_name}"
        return ViewResult("side", facing_name, near, confidence, reason, [], "", yaw)
    if yaw <= front_max:
        which = _front_or_back(track)
        reason = f"body turned {yaw:.0f} deg to the camera ({detail})"
        advice = (
            "This view shows knees caving in and side shifts; for depth, lean, hips rising "
            "first, neck and bar path, also film side on at hip height."
        )
        return ViewResult(which, None, None, confidence, reason, SIDE_ONLY, advice, yaw)
    reason = (
        f"body turned {yaw:.0f} deg to the camera ({detail}): between front ({front_max:.0f}) "
        f"and side ({side_min:.0f}), so side-view angles are foreshortened"
    )
    return ViewResult(
        "oblique", None, vis_near, confidence, reason, SIDE_ONLY, FILMING_ADVICE, yaw
    )
