"""The finished-analysis cache: re-running the same clip with the same options skips the analysis.

A hit returns the :class:`~formcheck.result.Analysis` the stages computed the last time, so
``formcheck analyze`` on a cached clip loads neither scipy.signal nor the stage modules.

Notes
-----
The key is a SHA-256 over everything :func:`formcheck.pipeline.analyze_track` reads, so any
change misses:

- the pose track itself: every array (dtype, shape, bytes) and its fps, frame size, source
  and history (the history says whether the track was computed or loaded from the cache);
- the video facts (with the path as given, which the JSON echoes) and the pose warnings;
- every :class:`~formcheck.pipeline.AnalysisOptions` field except the cache's own
  (``cache_dir``, ``use_cache``): lift, style, height, thresholds, person, time window,
  view split and the resolved analysis settings, rules and pose settings, value by value;
  a field added later is in the key unless it is listed in ``_NOT_INPUTS``;
- the code: the bytes of every file in the installed ``formcheck`` package (an edit to
  any module or data file misses), the numpy, scipy and Python versions, the OS and CPU
  architecture. (Two CPUs of one architecture that round differently under numpy's SIMD
  paths would share entries through a shared cache folder; the track cache has the same
  limit.)

Entries are ``.npz`` files (no pickle): the per-frame series as arrays, the rest as JSON.
An entry that does not read back is a miss and is overwritten. Writing is best effort: a
cache folder that cannot be written costs the next run the analysis, nothing else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from formcheck.capture.fingerprint import code_digest
from formcheck.result import Analysis, Fault, Metric, NotJudged, Rep, VideoInfo, ViewResult
from formcheck.track import PoseTrack

if TYPE_CHECKING:
    from formcheck.pipeline import AnalysisOptions

FORMAT = "formcheck.analysis-cache/1"
# Options that say where and whether to cache, not what to compute.
_NOT_INPUTS = frozenset({"cache_dir", "use_cache"})
_UNREADABLE = (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile, zlib.error)


def analysis_key(
    track: PoseTrack, video: VideoInfo, warnings_in: list[str], options: AnalysisOptions
) -> str:
    """Return the hex key of an analysis of ``track`` under resolved ``options``."""
    import scipy  # the top-level package only: its submodules load lazily

    digest = hashlib.sha256(FORMAT.encode())
    for f in dataclasses.fields(track):
        value = getattr(track, f.name)
        if isinstance(value, np.ndarray):
            array = np.ascontiguousarray(value)
            digest.update(f"{f.name}:{array.dtype.str}:{array.shape}".encode())
            digest.update(array.tobytes())
        else:
            digest.update(f"{f.name}={_canonical(value)}".encode())
    chosen = {
        f.name: getattr(options, f.name)
        for f in dataclasses.fields(options)
        if f.name not in _NOT_INPUTS
    }
    rest = {
        "video": dataclasses.asdict(video),
        "warnings_in": warnings_in,
        "options": chosen,
        "code": code_digest(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": sys.version,
        "machine": [sys.platform, platform.machine()],  # a cache folder shared by machines
    }
    digest.update(_canonical(rest).encode())
    return digest.hexdigest()


def _canonical(value: Any) -> str:
    """Return ``value`` as sorted-key JSON; raise TypeError for a type it cannot spell out."""
    return json.dumps(value, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Path):
        return str(value)
    # Anything else (an array, an object) must be added here on purpose, not guessed at.
    raise TypeError(f"analysis cache key: cannot spell out a {type(value).__name__}")


def entry_path(folder: Path, key: str) -> Path:
    """Return where the analysis with ``key`` is kept under the cache ``folder``."""
    return folder / "analyses" / f"{key}.npz"


def save_analysis(analysis: Analysis, path: Path, key: str) -> bool:
    """Write ``analysis`` (and its parts) to ``path``; return False when it cannot be written."""
    docs, arrays = [], {}
    for i, one in enumerate([analysis, *analysis.parts]):
        doc = one.to_dict()
        doc["has_times"] = one.times_s is not None
        doc["series_keys"] = list(one.series)
        docs.append(doc)
        for name, values in one.series.items():
            arrays[f"{i}.series.{name}"] = values
        if one.times_s is not None:
            arrays[f"{i}.times_s"] = one.times_s
    meta = json.dumps({"format": FORMAT, "key": key, "analyses": docs})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=path.parent)
    except OSError:
        return False
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, meta=np.frombuffer(meta.encode(), dtype=np.uint8), **arrays)
        tmp.replace(path)  # atomic: a reader sees the old entry or the new one
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def load_analysis(path: Path, key: str) -> Analysis | None:
    """Return the analysis kept at ``path`` for ``key``, or None when absent or unusable."""
    try:
        if not path.exists():
            return None
        with np.load(path) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            if meta.get("format") != FORMAT or meta.get("key") != key:
                return None
            found = [_rebuild(doc, data, i) for i, doc in enumerate(meta["analyses"])]
    except _UNREADABLE:
        return None
    whole = found[0]
    whole.parts = found[1:]
    return whole


def _rebuild(doc: dict[str, Any], data: Any, i: int) -> Analysis:
    """Return the Analysis of one cached document and its arrays."""
    return Analysis(
        video=VideoInfo(**doc["video"]),
        lift=doc["lift"],
        style=doc["style"],
        view=ViewResult(**doc["view"]),
        reps=[_rep(r) for r in doc["reps"]],
        warnings=doc["warnings"],
        summary=doc["summary"],
        settings=doc["settings"],
        series={name: data[f"{i}.series.{name}"] for name in doc["series_keys"]},
        times_s=data[f"{i}.times_s"] if doc["has_times"] else None,
        lift_reason=doc["lift_reason"],
    )


def _rep(doc: dict[str, Any]) -> Rep:
    faults = [Fault(**{**f, "frame_range": tuple(f["frame_range"])}) for f in doc["faults"]]
    return Rep(
        **{
            **doc,
            "metrics": {k: Metric(**m) for k, m in doc["metrics"].items()},
            "faults": faults,
            "not_judged": [NotJudged(**n) for n in doc["not_judged"]],
        }
    )
