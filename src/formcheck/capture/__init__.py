"""Capture: a video file becomes a pose track.

``video`` probes and streams frames (rotation applied), ``pose_pass`` runs BlazePose over
time chunks in parallel, ``pose`` caches the track (``frame_feed``, a decoder child process,
is kept for the benchmark), ``people`` refuses a second person,
``silhouette`` reads the back contour from the segmentation mask.
"""

from formcheck.capture.pose import estimate_track
from formcheck.capture.video import probe_video

__all__ = ["estimate_track", "probe_video"]
