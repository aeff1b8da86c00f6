"""Capture: a video file becomes a pose track.

``video`` probes and streams frames (rotation applied), ``frame_feed`` decodes in a child
process, ``pose`` runs BlazePose and caches the track, ``people`` refuses a second person,
``silhouette`` reads the back contour from the segmentation mask.
"""

from formcheck.capture.pose import estimate_track
from formcheck.capture.video import probe_video

__all__ = ["estimate_track", "probe_video"]
