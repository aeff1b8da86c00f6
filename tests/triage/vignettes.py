"""Load the vignettes and turn their compact video description into an analysis document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from formcheck.result import SCHEMA

VIGNETTES_FILE = Path(__file__).with_name("vignettes.yaml")
HOLDOUT_FILE = Path(__file__).with_name("vignettes_holdout.yaml")
ROUND2_FILE = Path(__file__).with_name("vignettes_round2.yaml")


def load_vignettes(path: Path = VIGNETTES_FILE) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["vignettes"]


def analysis_document(video: dict[str, Any]) -> dict[str, Any]:
    """Return a formcheck.analysis/1 document whose first N reps carry each fault."""
    reps = []
    for index in range(1, video["reps"] + 1):
        faults = [
            {"id": fault_id, "title": fault_id, "rep_index": index}
            for fault_id, count in video["faults"].items()
            if index <= count
        ]
        reps.append({"index": index, "faults": faults})
    view = "front" if "knee_valgus" in video["faults"] else "side"
    return {"schema": SCHEMA, "lift": video["lift"], "view": {"view": view}, "reps": reps}


def expected_causes(vignette: dict[str, Any]) -> list[str]:
    top = vignette["expect"]["top_cause"]
    return top if isinstance(top, list) else [top]
