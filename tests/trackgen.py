"""Real pose tracks changed in known ways: another camera, a cut range of motion, the hands
or legs placed elsewhere. Each helper returns a new track and says what it did in the
track's history; the tests that use them state what the change must (and must not) do.

The camera helpers redraw the picture from BlazePose's world landmarks (metres, hip-centred,
x right, y down, like the picture) with an orthographic camera that keeps the lifter's size
and follows their hips across the frame as the original picture did, so the body's motion
is the real one and only the point of view changes.
"""

from __future__ import annotations

import numpy as np

from formcheck.track import INDEX, PoseTrack

HANDS = ("wrist", "pinky", "index", "thumb")
LEGS = ("knee", "ankle", "heel", "foot_index")


def _mid(xy: np.ndarray, a: str, b: str) -> np.ndarray:
    return (xy[:, INDEX[a]] + xy[:, INDEX[b]]) / 2


def pixels_per_metre(track: PoseTrack) -> float:
    """Return the picture's scale: image torso length over the world torso's in-plane length."""
    img = np.linalg.norm(
        _mid(track.image_xy, "left_shoulder", "right_shoulder")
        - _mid(track.image_xy, "left_hip", "right_hip"),
        axis=1,
    )
    w = track.world_xyz
    world = np.linalg.norm(
        (_mid(w, "left_shoulder", "right_shoulder") - _mid(w, "left_hip", "right_hip"))[:, :2],
        axis=1,
    )
    ok = track.present & (world > 0.05)
    return float(np.median(img[ok] / world[ok]))


def redraw(track: PoseTrack, world: np.ndarray, line: str) -> PoseTrack:
    """Return ``track`` with ``world`` as its world landmarks and the picture drawn from them."""
    scale = pixels_per_metre(track)
    hip_px = _mid(track.image_xy, "left_hip", "right_hip")
    hip_w = _mid(world, "left_hip", "right_hip")[:, :2]
    xy = hip_px[:, None, :] + scale * (world[:, :, :2] - hip_w[:, None, :])
    return track.with_history(f"test: {line}", image_xy=xy, world_xyz=world, back_profile=None)


def turned(track: PoseTrack, yaw_deg: float = 0.0, pitch_deg: float = 0.0) -> PoseTrack:
    """Return the track filmed from a camera turned ``yaw_deg`` about the lifter (90 = from
    the side to the front) and raised to look down ``pitch_deg``."""
    y, p = np.radians(yaw_deg), np.radians(pitch_deg)
    yaw = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    pitch = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    world = track.world_xyz @ (pitch @ yaw).T
    return redraw(
        track, world, f"camera turned {yaw_deg:g} deg, raised to look {pitch_deg:g} deg down"
    )


def standing_pose(track: PoseTrack) -> tuple[np.ndarray, np.ndarray]:
    """Return the world pose and hip pixel position of the most upright frame."""
    hip_y = _mid(track.image_xy, "left_hip", "right_hip")[:, 1]
    f = int(np.nanargmin(np.where(track.present, hip_y, np.nan)))
    return track.world_xyz[f], _mid(track.image_xy, "left_hip", "right_hip")[f]


def shallower(track: PoseTrack, fraction: float) -> PoseTrack:
    """Return the track with every landmark moved only ``fraction`` of the way from the
    standing pose to where it went (a quarter squat from a full one)."""
    pose, hip0 = standing_pose(track)
    world = pose + fraction * (track.world_xyz - pose)
    out = redraw(track, world, f"range of motion cut to {fraction:g}")
    hip_px = _mid(track.image_xy, "left_hip", "right_hip")
    xy = out.image_xy + ((hip0 + fraction * (hip_px - hip0)) - hip_px)[:, None, :]
    return out.with_history("test: hips drop by the same fraction", image_xy=xy)


def facing(track: PoseTrack) -> float:
    """Return +1 when the lifter faces the picture's right (toes right of the heels), else -1."""
    toes = _mid(track.image_xy, "left_foot_index", "right_foot_index")[:, 0]
    heels = _mid(track.image_xy, "left_heel", "right_heel")[:, 0]
    return 1.0 if np.nanmedian(toes - heels) > 0 else -1.0


def torso_px(track: PoseTrack) -> np.ndarray:
    """Return the per-frame torso length in pixels."""
    return np.linalg.norm(
        _mid(track.image_xy, "left_shoulder", "right_shoulder")
        - _mid(track.image_xy, "left_hip", "right_hip"),
        axis=1,
    )


def hands_at(track: PoseTrack, forward: float, up: float, of: str = "hip") -> PoseTrack:
    """Return the track with both hands held ``forward`` and ``up`` torso lengths from the
    midpoint of the ``of`` landmarks (``hip`` or ``shoulder``), e.g. a weight held low in
    front (a goblet or kettlebell squat)."""
    xy = track.image_xy.copy()
    torso = torso_px(track)
    anchor = _mid(xy, f"left_{of}", f"right_{of}")
    where = anchor + np.stack([facing(track) * forward * torso, -up * torso], axis=1)
    for side in ("left", "right"):
        for part in HANDS:
            xy[:, INDEX[f"{side}_{part}"]] = where
    return track.with_history(
        f"test: hands {forward:g} forward, {up:g} up of the {of}s", image_xy=xy
    )


def _hip_phase(track: PoseTrack) -> np.ndarray:
    """Return the hip height per frame scaled 0 (lowest) to 1 (highest), 5th-95th percentile."""
    y = -_mid(track.image_xy, "left_hip", "right_hip")[:, 1]
    lo, hi = np.nanpercentile(y, [5, 95])
    return np.clip((y - lo) / (hi - lo), 0.0, 1.0)


def swing(track: PoseTrack) -> PoseTrack:
    """Return the track with the arms swinging a weight: hanging straight down with the hips
    at their lowest, level in front at shoulder height with the hips at their highest."""
    xy = track.image_xy.copy()
    arm = float(
        np.nanmedian(
            np.linalg.norm(xy[:, INDEX["left_wrist"]] - xy[:, INDEX["left_shoulder"]], axis=1)
        )
    )
    theta = np.radians(90.0) * _hip_phase(track)
    shoulder = _mid(xy, "left_shoulder", "right_shoulder")
    hand = shoulder + arm * np.stack([facing(track) * np.sin(theta), np.cos(theta)], axis=1)
    for side in ("left", "right"):
        elbow = (shoulder + hand) / 2
        xy[:, INDEX[f"{side}_elbow"]] = elbow
        for part in HANDS:
            xy[:, INDEX[f"{side}_{part}"]] = hand
    return track.with_history("test: arms swing up to shoulder height at the top", image_xy=xy)


def _knee_between(hip: np.ndarray, ankle: np.ndarray, thigh: float, shin: float, ahead: float):
    """Return the knee (2-link reach from hip to ankle) bent towards ``ahead`` (+1 right)."""
    d_vec = ankle - hip
    d = np.linalg.norm(d_vec, axis=1)
    reach = 0.999 * (thigh + shin)
    far = d > reach
    ankle = np.where(far[:, None], hip + d_vec / d[:, None] * reach, ankle)  # the foot slides
    d = np.minimum(d, reach)
    unit = (ankle - hip) / d[:, None]
    a = (thigh**2 - shin**2 + d**2) / (2 * d)
    h = np.sqrt(np.maximum(thigh**2 - a**2, 0.0))
    perp = np.stack([-unit[:, 1], unit[:, 0]], axis=1)
    base = hip + a[:, None] * unit
    k1, k2 = base + h[:, None] * perp, base - h[:, None] * perp
    pick = (ahead * (k1[:, 0] - k2[:, 0]) >= 0)[:, None]
    return np.where(pick, k1, k2), ankle


def lunge(track: PoseTrack, split: float = 1.2) -> PoseTrack:
    """Return the track with the feet split ``split`` leg lengths, left foot in front: each
    foot stays planted and each knee bends to reach it as the hips go down and up."""
    xy = track.image_xy.copy()
    world = track.world_xyz.copy()
    scale = pixels_per_metre(track)
    ahead = facing(track)
    hip_mid = _mid(xy, "left_hip", "right_hip")
    thigh = float(
        np.nanmedian(np.linalg.norm(xy[:, INDEX["left_hip"]] - xy[:, INDEX["left_knee"]], axis=1))
    )
    shin = float(
        np.nanmedian(np.linalg.norm(xy[:, INDEX["left_knee"]] - xy[:, INDEX["left_ankle"]], axis=1))
    )
    floor = float(np.nanmedian(_mid(xy, "left_ankle", "right_ankle")[:, 1]))
    centre = float(np.nanmedian(hip_mid[:, 0]))
    for side, sign in (("left", 1.0), ("right", -1.0)):
        foot = np.array([centre + sign * ahead * 0.5 * split * (thigh + shin), floor])
        hip = xy[:, INDEX[f"{side}_hip"]]
        knee, ankle = _knee_between(hip, np.broadcast_to(foot, hip.shape), thigh, shin, ahead)
        move = ankle - xy[:, INDEX[f"{side}_ankle"]]
        xy[:, INDEX[f"{side}_knee"]] = knee
        for part in ("ankle", "heel", "foot_index"):
            xy[:, INDEX[f"{side}_{part}"]] += move
        for part in LEGS:
            j = INDEX[f"{side}_{part}"]
            world[:, j, :2] = (
                _mid(world, "left_hip", "right_hip")[:, :2] + (xy[:, j] - hip_mid) / scale
            )
    return track.with_history(
        f"test: feet split {split:g} leg lengths (a lunge)", image_xy=xy, world_xyz=world
    )


def calf_raises(track: PoseTrack, rise: float = 0.08, period_s: float = 2.5) -> PoseTrack:
    """Return the track with the whole body but the toes lifted up to ``rise`` leg lengths
    once every ``period_s`` (heels off the floor, knees and hips straight)."""
    xy = track.image_xy.copy()
    world = track.world_xyz.copy()
    leg = float(
        np.nanmedian(
            np.linalg.norm(xy[:, INDEX["left_hip"]] - xy[:, INDEX["left_knee"]], axis=1)
            + np.linalg.norm(xy[:, INDEX["left_knee"]] - xy[:, INDEX["left_ankle"]], axis=1)
        )
    )
    lift = rise * leg * (1 - np.cos(2 * np.pi * track.times_s / period_s)) / 2
    toes = [INDEX["left_foot_index"], INDEX["right_foot_index"]]
    others = [i for i in range(xy.shape[1]) if i not in toes]
    xy[:, others, 1] -= lift[:, None]
    world[:, others, 1] -= lift[:, None] / pixels_per_metre(track)
    return track.with_history(
        f"test: calf raises of {rise:g} leg lengths", image_xy=xy, world_xyz=world
    )
