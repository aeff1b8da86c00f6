"""Capture: a video file becomes a pose track.

``video`` probes and streams frames (rotation applied), ``pose_pass`` runs BlazePose with
decoding in a thread (over time chunks in parallel when the clip is long enough), ``pose``
caches the track, ``people`` chooses the lifter, ``silhouette`` reads the back contour from
the segmentation mask.
"""


from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["estimate_track", "probe_video"]

if TYPE_CHECKING:
    from formcheck.capture.pose import estimate_track
    from formcheck.capture.video import probe_video

# Loaded on first use: importing a light submodule (fingerprint) must not load numpy and PyAV.
_LAZY = {"estimate_track": "formcheck.capture.pose", "probe_video": "formcheck.capture.video"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
