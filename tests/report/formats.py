"""Readers for OpenSim .mot and .trc files, written from the published format descriptions.

- .mot (OpenSim Storage): header lines up to a line ``endheader``; header keys ``nRows``,
  ``nColumns`` (the time column included) and ``inDegrees``; then a line of column labels
  starting with ``time`` and whitespace-separated numeric rows.
- .trc (Track Row Column): line 1 ``PathFileType``, line 2 header keys, line 3 their values
  (``DataRate``, ``CameraRate``, ``NumFrames``, ``NumMarkers``, ``Units``, ``OrigDataRate``,
  ``OrigDataStartFrame``, ``OrigNumFrames``), line 4 ``Frame#``, ``Time`` and a marker name
  over every three columns, line 5 ``X1 Y1 Z1 ...``; then rows of frame number, time and
  X Y Z per marker, with empty cells or NaN for missing markers.
These readers share no code with formcheck's writers on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Mot:
    header: dict[str, str]
    columns: list[str]
    data: np.ndarray  # (rows, columns)


@dataclass
class Trc:
    header: dict[str, str]
    markers: list[str]
    frame_numbers: np.ndarray
    times: np.ndarray
    points: np.ndarray  # (frames, markers, 3)


def read_mot(path: Path) -> Mot:
    lines = path.read_text().splitlines()
    end = next(i for i, line in enumerate(lines) if line.strip().lower() == "endheader")
    header = {}
    for line in lines[:end]:
        if "=" in line:
            k, v = line.split("=", 1)
            header[k.strip()] = v.strip()
    columns = lines[end + 1].split("\t")
    rows = [[float(c) for c in line.split()] for line in lines[end + 2 :] if line.strip()]
    data = np.array(rows, dtype=float)
    if int(header["nRows"]) != data.shape[0] or int(header["nColumns"]) != len(columns):
        raise ValueError(f"{path}: header says {header['nRows']}x{header['nColumns']}, "
                         f"table is {data.shape[0]}x{len(columns)}")
    if columns[0] != "time" or data.shape[1] != len(columns):
        raise ValueError(f"{path}: bad column line {columns[:3]}")
    return Mot(header=header, columns=columns, data=data)


def read_trc(path: Path) -> Trc:
    lines = path.read_text().splitlines()
    if not lines[0].startswith("PathFileType"):
        raise ValueError(f"{path}: first line must start with PathFileType")
    header = dict(zip(lines[1].split("\t"), lines[2].split("\t"), strict=True))
    names = lines[3].split("\t")
    if names[:2] != ["Frame#", "Time"]:
        raise ValueError(f"{path}: line 4 must start Frame# Time")
    markers = [n for n in names[2:] if n.strip()]
    labels = lines[4].split("\t")[2:]
    expected = [f"{a}{k}" for k in range(1, len(markers) + 1) for a in "XYZ"]
    if labels != expected:
        raise ValueError(f"{path}: line 5 must be X1 Y1 Z1 ...")
    rows = []
    for line in lines[5:]:
        if not line.strip():
            continue
        cells = line.split("\t")
        cells += [""] * (2 + 3 * len(markers) - len(cells))
        rows.append([float(c) if c.strip() else np.nan for c in cells])
    data = np.array(rows, dtype=float)
    if int(header["NumFrames"]) != data.shape[0] or int(header["NumMarkers"]) != len(markers):
        raise ValueError(f"{path}: header frame/marker counts disagree with the table")
    return Trc(header=header, markers=markers, frame_numbers=data[:, 0].astype(int),
               times=data[:, 1], points=data[:, 2:].reshape(len(data), len(markers), 3))
