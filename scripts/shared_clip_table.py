"""Write one JSON line per shared clip: rep count, lift, view and faults (before/after tables).

Usage: ``python scripts/shared_clip_table.py OUT.jsonl [DATA_DIR]``. The pose cache keeps each
clip's track, so only the first run pays for the pose model.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from formcheck.pipeline import analyze_video


def main(out: str, data: str = "../shared/data", only: str = "") -> None:
    """Analyse every clip in ``clips.json`` (or the comma-separated ``only``) into ``out``."""
    items = json.loads((Path(data) / "clips.json").read_text())["items"]
    if only:
        items = [i for i in items if Path(i["file"]).stem in only.split(",")]
    with open(out, "w") as fh:
        for item in items:
            if not item["file"].endswith(".mp4"):
                continue
            t0 = time.time()
            row = {
                "file": Path(item["file"]).stem,
                "want_reps": item.get("reps"),
                "want_lift": item.get("lift"),
                "want_view": item.get("view"),
            }
            try:
                a = analyze_video(Path(data) / item["file"])
                row.update(
                    reps=len(a.reps),
                    partial=[r.index for r in a.reps if r.partial],
                    lift=a.lift,
                    style=a.style,
                    view=a.view.view,
                    faults=sorted({f.id for r in a.reps for f in r.faults}),
                    fault_reps=[[f.id for f in r.faults] for r in a.reps],
                    lift_reason=a.lift_reason,
                    warnings=a.warnings,
                )
            except Exception as exc:
                row["error"] = f"{type(exc).__name__}: {exc}"
            row["seconds"] = round(time.time() - t0, 1)
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            print(
                row["file"],
                row.get("reps"),
                row.get("lift"),
                row.get("faults"),
                row.get("error", ""),
                row["seconds"],
                flush=True,
            )


if __name__ == "__main__":
    main(*sys.argv[1:])
