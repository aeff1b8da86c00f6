"""People in frame: find a second person, tell which one is the lifter, spot identity switches.

BlazePose in tracking mode follows one person and may jump to another. During the pose pass,
every ``person_sample_interval_s`` the frame is searched again with the tracked person
blacked out; a confident full-body pose there is a second person. After the pass the two
people are told apart by where they stand (left / right), and the lifter is the one whose
hips travel furthest, in torso lengths (the one doing reps). If the tracker was not on the
lifter the whole time, the pose pass is run again with the other person's side of the frame
blacked out.

All positions here are in upright-frame pixels of the original resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from formcheck.errors import ConfigError, MultiplePeopleError
from formcheck.track import INDEX

_HIPS = [INDEX["left_hip"], INDEX["right_hip"]]
_SHOULDERS = [INDEX["left_shoulder"], INDEX["right_shoulder"]]
_KEY_BODY = [*_SHOULDERS, *_HIPS, INDEX["left_knee"], INDEX["right_knee"]]
_BOX_MARGIN = 0.15  # fraction of the box width kept clear around the tracked person
_MIN_STRIP = 0.2  # a strip narrower than this fraction of the frame cannot hold a person


@dataclass
class Body:
    """Where one person is in one frame."""

    hip: np.ndarray  # (2,) hip midpoint, px
    torso: float  # hip-midpoint to shoulder-midpoint distance, px
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 of all landmarks, px


@dataclass
class Sighting:
    """The tracked person and (if found) a second person in one sampled frame."""

    frame: int
    time_s: float
    tracked: Body
    other: Body | None


@dataclass
class Choice:
    """What to do about the people in frame after the first pass."""

    rerun: bool
    mask_x: tuple[float, float] | None  # band of x (px) to black out on a re-run
    warnings: list[str]


def body_from_landmarks(xy: np.ndarray) -> Body:
    """Return the :class:`Body` of a (33, 2) landmark array in pixels."""
    hip = xy[_HIPS].mean(axis=0)
    shoulder = xy[_SHOULDERS].mean(axis=0)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return Body(
        hip=hip,
        torso=float(np.hypot(*(shoulder - hip))),
        box=(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])),
    )


def sample_every(n_frames: int, fps: float, interval_s: float, min_samples: int) -> int:
    """Return the frame step between second-person searches."""
    by_time = max(1, round(interval_s * fps))
    by_count = max(1, n_frames // max(1, min_samples))
    return max(1, min(by_time, by_count))


def search_second_person(
    static_pose: Any,
    rgb: np.ndarray,
    tracked: Body,
    scale: float,
    min_visibility: float,
    min_height: float = 0.0,
) -> Body | None:
    """Return a second confident person beside ``tracked`` in ``rgb``, or None.

    The search runs on the wider strip of the frame left or right of the tracked person's
    box (with the box itself blacked out): a narrower image keeps a second person large on
    the detector's square input, where a wide frame would shrink them out of reach.
    ``scale`` converts ``rgb`` pixels to original pixels. ``rgb`` is not modified. A pose
    shorter than ``min_height`` of the frame, or one lying flat, is not taken as a person:
    the detector also finds "bodies" in plates, benches and posters, and following one of
    those instead of the lifter loses the whole set.

    Notes
    -----
    Only the wider side is searched (one extra inference per sample); a second person on
    the narrower side of an off-centre lifter is missed.
    """
    h, w = rgb.shape[:2]
    x0, _, x1, _ = (v / scale for v in tracked.box)
    margin = _BOX_MARGIN * (x1 - x0)
    c0, c1 = int(max(0, x0 - margin)), int(min(w, x1 + margin + 1))
    lo, hi = (0, c0) if c0 >= w - c1 else (c1, w)
    if hi - lo < _MIN_STRIP * w:
        return None
    strip = np.ascontiguousarray(rgb[:, lo:hi])
    result = static_pose.process(strip)
    if result.pose_landmarks is None:
        return None
    lm = result.pose_landmarks.landmark
    vis = np.array([lm[i].visibility for i in _KEY_BODY])
    if float(vis.mean()) < min_visibility:
        return None
    sw = hi - lo
    xy = np.array([((lo + p.x * sw) * scale, p.y * h * scale) for p in lm])
    body = body_from_landmarks(xy)
    height = body.box[3] - body.box[1]
    shoulders_above_hips = xy[_SHOULDERS, 1].mean() < xy[_HIPS, 1].mean()
    if height < min_height * h * scale or not shoulders_above_hips:
        return None
    return body


PERSON_CHOICES = ("auto", "left", "right", "largest")
ONE_PERSON = "only one person found"  # ends the note of a --person choice with nobody else


def check_person(person: str) -> str:
    """Return ``person`` if it names a way to pick the lifter, else raise ConfigError.

    ``auto`` (the one doing the reps, else the largest and most central), ``left``,
    ``right``, ``largest``, or a number N counting the people from the left (1 = leftmost).
    """
    if person in PERSON_CHOICES or (person.isdigit() and int(person) >= 1):
        return person
    raise ConfigError(
        f"--person: expected one of {', '.join(PERSON_CHOICES)} or a number N >= 1 "
        f"(people counted from the left), got {person!r}"
    )


def choose_lifter(
    sightings: list[Sighting],
    switches: list[float],
    width: int,
    settings: Any,
    person: str = "auto",
) -> Choice:
    """Return whether to re-run the pass and what to mask (see :func:`check_person`).

    Raises MultiplePeopleError only for a person number beyond the people found.

    Parameters
    ----------
    sightings : list of Sighting
        The sampled frames of the first pass.
    switches : list of float
        Times (s) where the track jumps (see :func:`find_identity_switches`).
    width : int
        Upright frame width in pixels.
    settings : PoseSettings
        Uses ``second_person_fraction``, ``lifter_motion_ratio``, ``lifter_min_motion``,
        ``nearer_size_ratio``.
    """
    both = [s for s in sightings if s.other is not None]
    if not sightings or len(both) < max(2, settings.second_person_fraction.value * len(sightings)):
        alone = [] if person == "auto" else [f"--person {person}: {ONE_PERSON}"]
        return Choice(rerun=False, mask_x=None, warnings=alone)
    left = [_leftmost(s) for s in both]
    right = [_rightmost(s) for s in both]
    lifter, why = _chosen(person, left, right, width, settings)
    on_lifter = [_side_of(s.tracked, s.other) == lifter for s in both if s.other is not None]
    warnings = [f"2 people in frame; followed the person on the {lifter} {why}"]
    if all(on_lifter) and not switches:
        return Choice(rerun=False, mask_x=None, warnings=warnings)
    return Choice(rerun=True, mask_x=_mask_band(left, right, lifter, width), warnings=warnings)


def _chosen(
    person: str, left: list[Body], right: list[Body], width: int, settings: Any
) -> tuple[str, str]:
    """Return ("left" | "right", why) for the person the user asked for."""
    if person in ("left", "right"):
        return person, f"(--person {person})"
    if person.isdigit():
        if int(person) > 2:
            raise MultiplePeopleError(
                f"--person: expected a number up to the 2 people found, got {person}"
            )
        return ("left" if person == "1" else "right"), f"(--person {person}, from the left)"
    if person == "largest":
        side = "left" if _median_torso(left) >= _median_torso(right) else "right"
        return (
            side,
            f"(--person largest: torso {_median_torso(left if side == 'left' else right):.0f} px)",
        )
    return _pick_lifter(left, right, width, settings)


def _central_size(bodies: list[Body], width: int) -> float:
    """Return torso size weighted by closeness to the frame's centre (1 at the centre)."""
    x = float(np.median([b.hip[0] for b in bodies]))
    return _median_torso(bodies) * (1.0 - abs(x - width / 2) / max(width, 1))


def _pick_lifter(left: list[Body], right: list[Body], width: int, settings: Any) -> tuple[str, str]:
    """Return ("left" | "right", why) for the lifter: the one doing reps, else the main one."""
    motion = {"left": _hip_travel(left), "right": _hip_travel(right)}
    size = {"left": _median_torso(left), "right": _median_torso(right)}
    lifter = max(motion, key=lambda k: motion[k])
    other = "right" if lifter == "left" else "left"
    ratio = settings.lifter_motion_ratio.value
    if motion[lifter] >= settings.lifter_min_motion.value and (
        motion[lifter] >= ratio * motion[other]
    ):
        return lifter, (
            f"who is doing the reps (hip travel {motion[lifter]:.2f} vs "
            f"{motion[other]:.2f} torso lengths)"
        )
    # Moving alike: a gym mirror shows the lifter's reflection doing the same reps, further
    # away and so smaller. A clearly larger person is the one in front of the camera.
    big = max(size, key=lambda k: size[k])
    small = "right" if big == "left" else "left"
    if size[big] >= settings.nearer_size_ratio.value * size[small]:
        return big, (
            f"who is nearer the camera (torso {size[big]:.0f} vs {size[small]:.0f} px); the "
            "other moves alike (a mirror reflection?)"
        )
    # Two people training side by side (a partner, a split screen): the larger and more
    # central one is the main subject; the warning says so and how to pick the other.
    score = {"left": _central_size(left, width), "right": _central_size(right, width)}
    main = max(score, key=lambda k: score[k])
    return main, (
        f"as the larger and more central of two people moving alike (hip travel left "
        f"{motion['left']:.2f}, right {motion['right']:.2f} torso lengths); use --person "
        f"{'right' if main == 'left' else 'left'} for the other"
    )


def find_identity_switches(
    image_xy: np.ndarray, present: np.ndarray, times_s: np.ndarray, settings: Any
) -> list[float]:
    """Return the times (s) where the tracked torso jumps in position or size between frames.

    Only consecutive frames that both have a person are compared, so a person leaving and
    coming back is not a switch.
    """
    hips = image_xy[:, _HIPS].mean(axis=1)
    shoulders = image_xy[:, _SHOULDERS].mean(axis=1)
    centre = (hips + shoulders) / 2
    torso = np.hypot(*(shoulders - hips).T)
    pair = present[1:] & present[:-1]
    step = np.hypot(*(centre[1:] - centre[:-1]).T)
    ref = np.fmax(np.fmin(torso[1:], torso[:-1]), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.fmax(torso[1:], torso[:-1]) / ref
        jump = (step / ref > settings.identity_jump.value) | (scale > settings.identity_scale.value)
    idx = np.nonzero(pair & jump)[0] + 1
    return [float(times_s[i]) for i in idx]


def _side_of(a: Body, b: Body) -> str:
    return "left" if a.hip[0] <= b.hip[0] else "right"


def _leftmost(s: Sighting) -> Body:
    assert s.other is not None
    return s.tracked if _side_of(s.tracked, s.other) == "left" else s.other


def _rightmost(s: Sighting) -> Body:
    assert s.other is not None
    return s.other if _side_of(s.tracked, s.other) == "left" else s.tracked


def _median_torso(bodies: list[Body]) -> float:
    return float(np.median([b.torso for b in bodies]))


def _hip_travel(bodies: list[Body]) -> float:
    # Hip height range in torso lengths, 10th-90th percentile so one bad detection does not
    # make a bystander look like the lifter.
    y = np.array([b.hip[1] for b in bodies])
    torso = _median_torso(bodies)
    if torso <= 0:
        return 0.0
    return float(np.percentile(y, 90) - np.percentile(y, 10)) / torso


def _mask_band(left: list[Body], right: list[Body], lifter: str, width: int) -> tuple[float, float]:
    # Black out the bystander's side of the frame from halfway between the two people's
    # extents, so the lifter's limbs stay visible while the other person is fully hidden.
    left_edge = max(b.box[2] for b in left)
    right_edge = min(b.box[0] for b in right)
    if left_edge < right_edge:
        split = (left_edge + right_edge) / 2
    else:
        split = (np.median([b.hip[0] for b in left]) + np.median([b.hip[0] for b in right])) / 2
    return (float(split), float(width)) if lifter == "left" else (0.0, float(split))
