"""Print candidate back-rounding measures per labelled deadlift/squat clip (issue 12 B).

For each clip in ``clips.json`` whose pose track is in the cache: the silhouette bulge the
current rule reads (``back_bulge_change``), and a landmark proxy measured in the same rep
window: the ear-shoulder-hip angle (upper-back rounding pulls the head forward of the
trunk line) under load against standing at lockout; the pelvis-tilt proxy at the deepest
point is left out: on these clips the plates hide the hips in the pull. Usage:
``python scripts/back_rounding_evidence.py [DATA_DIR]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from formcheck.analysis.signals import interior_angle
from formcheck.capture.pose import estimate_track
from formcheck.pipeline import analyze_track


def _ear_line(track, side: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Return the ear-shoulder-hip interior angle per frame (180 = head in line)."""
    return interior_angle(
        track.xy(f"{side}_ear"), track.xy(f"{side}_shoulder"), track.xy(f"{side}_hip")
    )


def main(data: str = "../shared/data") -> None:
    """Print one line per rep of every labelled clip."""
    items = json.loads((Path(data) / "clips.json").read_text())["items"]
    for item in items:
        if not item["file"].endswith(".mp4") or item.get("lift") != "deadlift":
            continue
        video, track, _ = estimate_track(Path(data) / item["file"])
        a = analyze_track(track, video, split_by_view=False)
        side = a.view.near_side or "left"
        ear = _ear_line(track, side)
        label = item.get("faults_expected", "")
        for rep in a.reps:
            w = slice(max(0, rep.start_frame - int(track.fps)), rep.bottom_frame + 1)
            top = slice(rep.bottom_frame, rep.end_frame + 1)
            bulge = rep.metrics.get("back_bulge_change")
            ear_drop = (
                float(np.nanmedian(ear[top]) - np.nanpercentile(ear[w], 10))
                if np.isfinite(ear[w]).any() and np.isfinite(ear[top]).any()
                else float("nan")
            )
            print(
                f"{Path(item['file']).stem:40s} rep {rep.index} view {a.view.view:8s} "
                f"bulge {getattr(bulge, 'value', None)!s:>7} ear-line closes {ear_drop:5.1f} deg"
                f" | {label}"
            )


if __name__ == "__main__":
    main(*sys.argv[1:])
