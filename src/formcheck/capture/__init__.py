"""Capture: a video file becomes a pose track.

``video`` probes and streams frames (rotation applied), ``pose_pass`` runs BlazePose with
decoding in a thread (over time chunks in parallel when the clip is long enough), ``pose``
caches the track, ``people`` chooses the lifter, ``silhouette`` reads the back contour from
the segmentation mask.
"""

from formcheck.capture.pose import estimate_track
from formcheck.capture.video import probe_video

__all__ = ["estimate_track", "probe_video"]
