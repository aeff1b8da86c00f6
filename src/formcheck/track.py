"""The pose track: the one container passed from pose estimation to every later stage.

Conventions
-----------
- ``image_xy`` is in pixels of the *upright* frame (rotation flag already applied), origin at
  the top-left, x to the right, y **down**. Angles computed from it use a y-up frame.
- ``world_xyz`` is BlazePose's world estimate in metres, origin between the hips.
- ``visibility`` is BlazePose's per-landmark visibility in 0..1.
- ``times_s`` are presentation times in seconds from the first frame (handles variable frame
  rate); ``fps`` is the nominal (average) rate.
- ``back_profile`` (optional) samples the person-segmentation silhouette either side of the
  hip->shoulder line: for K evenly spaced points from hip (k=0) to shoulder (k=K-1), the
  distance in pixels from the line to the silhouette edge along the normal. Side 0 is the
  normal ``(-u_y, u_x)`` of the image-space direction ``u = shoulder - hip`` (y down), side 1
  the opposite normal. NaN where the mask was unavailable. Used for the experimental
  back-rounding measure. Measured on the (downscaled) inference frame and scaled to pixels
  of the original upright frame; see :mod:`formcheck.capture.silhouette` for the exact walk.
- Frames where no person was found are NaN in ``image_xy`` / ``world_xyz`` and 0 in
  ``visibility``; ``present`` marks the frames with a person.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

LANDMARKS: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARKS)}
TRACK_FORMAT = "formcheck.track/1"


@dataclass
class PoseTrack:
    """A per-frame pose sequence of one person, with what is known about where it came from.

    Attributes
    ----------
    image_xy : ndarray, shape (frames, 33, 2)
        Landmark positions in upright-frame pixels (x right, y down).
    world_xyz : ndarray, shape (frames, 33, 3)
        BlazePose world landmarks in metres.
    visibility : ndarray, shape (frames, 33)
        Per-landmark visibility, 0..1.
    present : ndarray of bool, shape (frames,)
        True where a person was found.
    times_s : ndarray, shape (frames,)
        Presentation time of each frame in seconds, from 0.
    fps : float
        Nominal frame rate.
    width, height : int
        Size of the upright frame in pixels.
    back_profile : ndarray or None, shape (frames, 2, K)
        Silhouette distances either side of the trunk line (see module notes).
    source : dict
        Where the track came from: model, video path and sha256, settings.
    history : list of str
        What was done to the track, in order (one line per stage).
    """

    image_xy: np.ndarray
    world_xyz: np.ndarray
    visibility: np.ndarray
    present: np.ndarray
    times_s: np.ndarray
    fps: float
    width: int
    height: int
    back_profile: np.ndarray | None = None
    source: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)

    @property
    def n_frames(self) -> int:
        """Return the number of frames."""
        return int(self.image_xy.shape[0])

    def xy(self, name: str) -> np.ndarray:
        """Return the (frames, 2) pixel track of one landmark, y pointing up."""
        pts = self.image_xy[:, INDEX[name], :].copy()
        pts[:, 1] = self.height - pts[:, 1]
        return pts

    def vis(self, name: str) -> np.ndarray:
        """Return the (frames,) visibility of one landmark."""
        return self.visibility[:, INDEX[name]]

    def with_history(self, line: str, **changes: Any) -> PoseTrack:
        """Return a copy with ``changes`` applied and ``line`` appended to the history."""
        return replace(self, history=[*self.history, line], **changes)

    def save(self, path: str | Path) -> None:
        """Write the track to an ``.npz`` file (arrays plus JSON metadata)."""
        meta = {
            "format": TRACK_FORMAT,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "source": self.source,
            "history": self.history,
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        extra = {} if self.back_profile is None else {"back_profile": self.back_profile}
        # A temporary name unique to this writer, in the same folder so the final rename is
        # atomic: two processes saving the same track never write into one file, and a
        # reader sees either the old file or the new one, never half of one.
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(
                    fh,
                    **extra,
                    image_xy=self.image_xy.astype(np.float32),
                    world_xyz=self.world_xyz.astype(np.float32),
                    visibility=self.visibility.astype(np.float32),
                    present=self.present,
                    times_s=self.times_s,
                    meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                )
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)  # also on Ctrl-C: leave nothing behind
            raise

    @classmethod
    def load(cls, path: str | Path) -> PoseTrack:
        """Read a track written by :meth:`save`."""
        with np.load(Path(path)) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            if meta.get("format") != TRACK_FORMAT:
                raise ValueError(
                    f"{path}: expected track format {TRACK_FORMAT!r}, got {meta.get('format')!r}"
                )
            track = cls(
                image_xy=data["image_xy"].astype(np.float64),
                world_xyz=data["world_xyz"].astype(np.float64),
                visibility=data["visibility"].astype(np.float64),
                present=data["present"].astype(bool),
                times_s=data["times_s"].astype(np.float64),
                fps=float(meta["fps"]),
                width=int(meta["width"]),
                height=int(meta["height"]),
                back_profile=data["back_profile"].astype(np.float64)
                if "back_profile" in data.files
                else None,
                source=meta["source"],
                history=list(meta["history"]),
            )
        problems = shape_problems(track)
        if problems:
            raise ValueError(f"{path}: expected a consistent track, got " + "; ".join(problems))
        return track


def shape_problems(track: PoseTrack) -> list[str]:
    """Return what is wrong with the array shapes of a track (empty when they agree).

    Every per-frame array must have the same number of frames and the landmark and
    coordinate axes of :data:`LANDMARKS`; the frame size and rate must be positive.
    """
    n = track.image_xy.shape[0] if track.image_xy.ndim else -1
    k = len(LANDMARKS)
    expected: dict[str, tuple[int, ...]] = {
        "image_xy": (n, k, 2),
        "world_xyz": (n, k, 3),
        "visibility": (n, k),
        "present": (n,),
        "times_s": (n,),
    }
    problems = [
        f"{name} of shape {getattr(track, name).shape} (expected {shape})"
        for name, shape in expected.items()
        if getattr(track, name).shape != shape
    ]
    profile = track.back_profile
    if profile is not None and (profile.ndim != 3 or profile.shape[:2] != (n, 2)):
        problems.append(f"back_profile of shape {profile.shape} (expected ({n}, 2, K))")
    if not (track.width > 0 and track.height > 0 and np.isfinite(track.fps) and track.fps > 0):
        problems.append(f"frame {track.width}x{track.height} at {track.fps} fps")
    if not isinstance(track.source, dict):
        problems.append(f"source of type {type(track.source).__name__} (expected a mapping)")
    return problems


def slice_track(track: PoseTrack, a: int, b: int) -> PoseTrack:
    """Return frames ``a..b-1`` of a track (times kept as in the clip)."""
    return replace(
        track,
        image_xy=track.image_xy[a:b],
        world_xyz=track.world_xyz[a:b],
        visibility=track.visibility[a:b],
        present=track.present[a:b],
        times_s=track.times_s[a:b],
        back_profile=None if track.back_profile is None else track.back_profile[a:b],
        history=[*track.history, f"slice_track: frames {a}-{b - 1}"],
    )
