"""Writers for the analysis: the versioned JSON document and the per-frame CSV."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

from formcheck.result import SERIES_KEYS, Analysis


def _clean(obj: Any) -> Any:
    """Return ``obj`` with NaN/inf turned to None and tuples to lists (strict JSON)."""
    if isinstance(obj, float):
        return None if not math.isfinite(obj) else obj
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def analysis_json(analysis: Analysis) -> str:
    """Return the analysis as a JSON document of schema ``formcheck.analysis/1``."""
    return json.dumps(_clean(analysis.to_dict()), indent=2, allow_nan=False)


def write_json(analysis: Analysis, path: str | Path) -> Path:
    """Write the analysis JSON to ``path`` and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(analysis_json(analysis) + "\n", encoding="utf-8")
    return path


def write_csv(analysis: Analysis, path: str | Path) -> Path:
    """Write one row per frame (time, rep number, every series) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    times: list[float] = [] if analysis.times_s is None else analysis.times_s.tolist()
    rep_of = {}
    for rep in analysis.reps:
        for f in range(rep.start_frame, rep.end_frame + 1):
            rep_of[f] = rep.index
    keys = [k for k in SERIES_KEYS if k in analysis.series]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["frame", "time_s", "rep", *keys])
        for i, t in enumerate(times):
            values = [analysis.series[k][i] for k in keys]
            writer.writerow(
                [
                    i,
                    f"{t:.4f}",
                    rep_of.get(i, ""),
                    *("" if not math.isfinite(v) else f"{v:.3f}" for v in values),
                ]
            )
    return path
