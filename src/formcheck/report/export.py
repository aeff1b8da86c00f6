"""Research exports: angles as OpenSim ``.mot``, landmarks as ``.trc``, everything as tidy CSV.

Formats
-------
``.mot`` (OpenSim Storage, as Sports2D writes joint angles): a header block ending in
``endheader`` (``nRows``, ``nColumns`` counting the time column, ``inDegrees=yes``), then a
tab-separated table whose first column is ``time`` in seconds.

``.trc`` (Track Row Column, as Pose2Sim and Sports2D write markers): line 1
``PathFileType 4 (X/Y/Z) <name>``, line 2 the header keys ``DataRate CameraRate NumFrames
NumMarkers Units OrigDataRate OrigDataStartFrame OrigNumFrames``, line 3 their values, line 4
``Frame# Time`` then each marker name over its three columns, line 5 ``X1 Y1 Z1 X2 ...``, a
blank line, then one row per frame (1-based frame number, time in s, X Y Z per marker).
Missing values are written ``NaN``.

Two ``.trc`` files are written: ``landmarks_px.trc`` in upright-frame pixels with Y flipped
to point **up** and Z = 0 (Sports2D's pixel convention), and ``landmarks_world.trc`` with
BlazePose's world estimate in metres (Y flipped up; origin between the hips).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from formcheck.errors import ConfigError
from formcheck.result import SERIES_KEYS, Analysis
from formcheck.track import LANDMARKS, PoseTrack

EXPORT_KINDS = ("mot", "trc", "csv")


def check_exports(exports: Iterable[str]) -> tuple[str, ...]:
    """Return the requested export kinds, lower-cased, after checking each is known."""
    kinds = tuple(e.strip().lower() for e in exports if e.strip())
    bad = [k for k in kinds if k not in EXPORT_KINDS]
    if bad:
        raise ConfigError(
            f"--export: expected a comma-separated subset of {', '.join(EXPORT_KINDS)}, "
            f"got unknown {', '.join(repr(b) for b in bad)}"
        )
    return kinds


def _times(analysis: Analysis, track: PoseTrack) -> np.ndarray:
    return np.asarray(analysis.times_s if analysis.times_s is not None else track.times_s, float)


def _num(v: float) -> str:
    return "NaN" if not np.isfinite(v) else f"{v:.6f}"


def angle_columns(analysis: Analysis) -> list[str]:
    """Return the series keys that are angles in degrees (the ``.mot`` columns)."""
    return [k for k in SERIES_KEYS if k in analysis.series and SERIES_KEYS[k].startswith("deg")]


def write_mot(analysis: Analysis, track: PoseTrack, path: str | Path) -> Path:
    """Return the path of the OpenSim ``.mot`` file of the angle series written to ``path``."""
    t = _times(analysis, track)
    cols = angle_columns(analysis)
    lines = ["Coordinates", "version=1", f"nRows={len(t)}", f"nColumns={len(cols) + 1}",
             "inDegrees=yes", "",
             "Units are S.I. units (second, meters, Newtons, ...)",
             "Angles are formcheck's 2-D definitions (see SERIES_KEYS), in degrees, 0-180.", "",
             "endheader", "\t".join(["time", *cols])]
    data = np.column_stack([t] + [np.asarray(analysis.series[c], float) for c in cols])
    lines += ["\t".join(_num(v) for v in row) for row in data]
    return _write_lines(path, lines)


def write_trc(points: np.ndarray, times: np.ndarray, rate: float, units: str,
              path: str | Path) -> Path:
    """Return the path of a ``.trc`` file of ``points`` (frames, markers, 3) written to ``path``."""
    n, m = points.shape[:2]
    p = Path(path)
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{p.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame"
        "\tOrigNumFrames",
        f"{rate:.6f}\t{rate:.6f}\t{n}\t{m}\t{units}\t{rate:.6f}\t1\t{n}",
        "Frame#\tTime\t" + "\t\t\t".join(LANDMARKS[:m]),
        "\t\t" + "\t".join(f"X{k}\tY{k}\tZ{k}" for k in range(1, m + 1)),
        "",
    ]
    for i in range(n):
        cells = [str(i + 1), f"{times[i]:.6f}", *(_num(v) for v in points[i].reshape(-1))]
        lines.append("\t".join(cells))
    return _write_lines(p, lines)


def landmark_points(track: PoseTrack, world: bool) -> np.ndarray:
    """Return (frames, 33, 3) landmark positions with Y pointing up, for ``.trc`` files."""
    if world:
        pts = track.world_xyz.copy()
        pts[..., 1] = -pts[..., 1]  # BlazePose world y points down
        return pts
    xy = track.image_xy
    return np.stack([xy[..., 0], track.height - xy[..., 1], np.zeros(xy.shape[:2])], axis=-1)


def write_tidy_csv(analysis: Analysis, track: PoseTrack, path: str | Path) -> Path:
    """Return the path of the long-format CSV of every series and landmark written to ``path``.

    Columns: ``time_s, frame, kind, name, component, value, unit``; ``kind`` is ``series`` or
    ``landmark``; landmark components are ``x_px``, ``y_px`` (upright frame, y down) and
    ``visibility``.
    """
    t = _times(analysis, track)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["time_s", "frame", "kind", "name", "component", "value", "unit"])
        for key in (k for k in SERIES_KEYS if k in analysis.series):
            unit = SERIES_KEYS[key].split(",")[0]
            for i, v in enumerate(np.asarray(analysis.series[key], float)):
                w.writerow([f"{t[i]:.6f}", i, "series", key, "", _num(v), unit])
        for i in range(track.n_frames):
            for j, name in enumerate(LANDMARKS):
                x, y = track.image_xy[i, j]
                for comp, v, unit in (("x_px", x, "px"), ("y_px", y, "px"),
                                      ("visibility", track.visibility[i, j], "fraction")):
                    w.writerow([f"{t[i]:.6f}", i, "landmark", name, comp, _num(v), unit])
    return p


def write_exports(analysis: Analysis, track: PoseTrack, out_dir: str | Path,
                  kinds: Iterable[str]) -> dict[str, Path]:
    """Return the export files written to ``out_dir`` for each kind in ``kinds``."""
    out = Path(out_dir)
    written: dict[str, Path] = {}
    t = _times(analysis, track)
    for kind in check_exports(kinds):
        if kind == "mot":
            written["mot"] = write_mot(analysis, track, out / "angles.mot")
        elif kind == "trc":
            written["trc_px"] = write_trc(landmark_points(track, world=False), t, track.fps, "px",
                                          out / "landmarks_px.trc")
            written["trc_world"] = write_trc(landmark_points(track, world=True), t, track.fps,
                                             "m", out / "landmarks_world.trc")
        else:
            written["csv"] = write_tidy_csv(analysis, track, out / "series_long.csv")
    return written


def _write_lines(path: str | Path, lines: list[str]) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p
