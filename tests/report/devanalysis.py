"""A stand-in analysis built from a real pose track, for use until formcheck.analysis lands.

The series are computed from the track's landmarks with the documented conventions
(result.SERIES_KEYS); reps are hip-height excursions with hysteresis; two faults are judged
against thresholds stated below. It is deliberately simple: it only has to give the report
real motion, real rep timing and faults on real frames to draw.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from formcheck.result import Analysis, Fault, Metric, Rep, VideoInfo, ViewResult
from formcheck.track import INDEX, PoseTrack

LEAN_LIMIT_DEG = 30.0  # trunk lean from vertical; bodyweight squats with arms behind head
DEPTH_LIMIT_DEG = 0.0  # thigh below horizontal at the bottom


def _p(track: PoseTrack, name: str) -> np.ndarray:
    xy = track.image_xy[:, INDEX[name], :].copy()
    xy[:, 1] = -xy[:, 1]  # y up for angles
    return xy


def _interior(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    u, v = a - b, c - b
    cos = (u * v).sum(1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def _from_vertical(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    d = upper - lower
    return np.degrees(np.arctan2(np.abs(d[:, 0]), d[:, 1]))


def compute_series(track: PoseTrack, near: str) -> dict[str, np.ndarray]:
    sh, hip = _p(track, f"{near}_shoulder"), _p(track, f"{near}_hip")
    knee = _p(track, f"{near}_knee")
    ankle, ear = _p(track, f"{near}_ankle"), _p(track, f"{near}_ear")
    leg = np.nanmedian(np.linalg.norm(hip - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1))
    thigh = hip - knee
    bar = track.image_xy[:, [INDEX["left_wrist"], INDEX["right_wrist"]], :].mean(axis=1)
    return {
        "knee_deg": _interior(hip, knee, ankle),
        "hip_deg": _interior(sh, hip, knee),
        "trunk_lean_deg": _from_vertical(hip, sh),
        "shin_lean_deg": _from_vertical(ankle, knee),
        "thigh_deg": np.degrees(np.arctan2(-thigh[:, 1], np.abs(thigh[:, 0]))),
        "neck_deg": _from_vertical(sh, ear) - _from_vertical(hip, sh),
        "hip_height": (hip[:, 1] - ankle[:, 1]) / leg,
        "bar_x": bar[:, 0],
        "bar_y": bar[:, 1],
    }


def _segment(height: np.ndarray, fps: float) -> list[tuple[int, int, int]]:
    top = np.nanpercentile(height, 90)
    drop = top - height
    reps, start, inside = [], 0, False
    for i, d in enumerate(drop):
        if not inside and d > 0.15:
            inside = True
            start = i
            while start > 0 and drop[start - 1] > 0.04:
                start -= 1
        elif inside and d < 0.04:
            inside = False
            if (i - start) / fps > 0.4:
                bottom = start + int(np.nanargmax(drop[start:i]))
                reps.append((start, bottom, i))
    return reps


def _faults(rep_index: int, s: dict[str, np.ndarray], a: int, b: int, e: int) -> list[Fault]:
    faults = []
    lean = s["trunk_lean_deg"][a : e + 1]
    if np.nanmax(lean) > LEAN_LIMIT_DEG:
        over = np.flatnonzero(lean > LEAN_LIMIT_DEG) + a
        worst = a + int(np.nanargmax(lean))
        faults.append(Fault(
            id="forward_lean", title="Excessive forward lean", rep_index=rep_index,
            severity="fault", value=float(np.nanmax(lean)), threshold=LEAN_LIMIT_DEG, unit="deg",
            comparison=f"> {LEAN_LIMIT_DEG:.0f} deg",
            evidence=f"Trunk leaned {np.nanmax(lean):.0f} deg from vertical "
                     f"(limit {LEAN_LIMIT_DEG:.0f} deg).",
            soreness=["lower_back"], cue="Chest up, push the knees forward a little more.",
            frame_range=(int(over[0]), int(over[-1])), worst_frame=worst))
    thigh = float(s["thigh_deg"][b])
    if thigh < DEPTH_LIMIT_DEG + 5:
        faults.append(Fault(
            id="neck_not_neutral", title="Neck not neutral", rep_index=rep_index,
            severity="experimental", value=float(np.nanmax(np.abs(s["neck_deg"][a:e + 1]))),
            threshold=20.0, unit="deg", comparison="> 20 deg",
            evidence="Head tilted away from the trunk line at the bottom.",
            soreness=["neck", "upper_back"], cue="Look at the floor about 2-3 m ahead.",
            frame_range=(max(a, b - 5), min(e, b + 5)), worst_frame=b, experimental=True))
    return faults


def build_analysis(track: PoseTrack, video_path: str | Path, view: str = "side") -> Analysis:
    near = "left" if np.nanmean(track.vis("left_hip")) >= np.nanmean(track.vis("right_hip")) \
        else "right"
    s = compute_series(track, near)
    t = track.times_s
    reps = []
    for k, (a, b, e) in enumerate(_segment(s["hip_height"], track.fps), start=1):
        rep = Rep(index=k, start_frame=a, bottom_frame=b, end_frame=e, start_s=float(t[a]),
                  bottom_s=float(t[b]), end_s=float(t[e]), partial=False)
        rep.metrics = {
            "depth_thigh_deg": Metric(float(s["thigh_deg"][b]), "deg", "thigh below horizontal"),
            "max_trunk_lean_deg": Metric(float(np.nanmax(s["trunk_lean_deg"][a:e + 1])), "deg"),
            "descent_s": Metric(float(t[b] - t[a]), "s"),
            "ascent_s": Metric(float(t[e] - t[b]), "s"),
            "hips_rise_first": Metric(False, "bool"),
        }
        rep.faults = _faults(k, s, a, b, e)
        reps.append(rep)
    data = Path(video_path).read_bytes()
    info = VideoInfo(path=str(video_path), sha256=hashlib.sha256(data).hexdigest(),
                     fps=track.fps, frames=track.n_frames, duration_s=float(t[-1] + 1 / track.fps),
                     width=track.width, height=track.height, rotation=0, codec="h264")
    vr = ViewResult(view=view, facing=near if view == "side" else None,
                    near_side=near if view == "side" else None, confidence=0.9,
                    reason="shoulders overlap in the picture: side on")
    if view != "side":
        vr.unsupported = ["depth", "forward lean"]
        vr.filming_advice = "Film from the side at hip height, 3-4 m away, whole body in frame."
    summary = [f"{f.title} (rep {f.rep_index}): {f.cue}" for r in reps for f in r.faults][:3]
    return Analysis(
        video=info, lift="squat", style="bodyweight", view=vr, reps=reps,
        warnings=["Stand-in analysis built by the report tests."], summary=summary,
        settings={"thresholds": {
            "forward_lean": {"value": LEAN_LIMIT_DEG, "unit": "deg", "series": "trunk_lean_deg"},
            "insufficient_depth": {"value": DEPTH_LIMIT_DEG, "unit": "deg", "series": "thigh_deg"},
            "neck_not_neutral": {"value": 20.0, "unit": "deg", "series": None},
        }},
        series=s, times_s=t.copy(), lift_reason="stand-in")
