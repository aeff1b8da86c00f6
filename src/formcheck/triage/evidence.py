"""The lifter's own evidence: their latest analysed video and their training-log signals.

The video arrives as the ``formcheck.analysis/1`` document written by
``formcheck analyze --json`` (or an :class:`formcheck.result.Analysis`); only the rep count,
the lift, the view and the fault ids of each rep are used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from formcheck.errors import quoted
from formcheck.result import SCHEMA as ANALYSIS_SCHEMA
from formcheck.triage.errors import TriageInputError
from formcheck.triage.knowledge import KnowledgeBase
from formcheck.triage.models import TrainingContext


def load_analysis(path: Path | str) -> dict[str, Any]:
    """Return the analysis document read from a JSON file.

    Raises
    ------
    TriageInputError
        When the file is missing or is not JSON.
    """
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        problem = ("video_json", f"expected a readable file; received {exc}")
        raise TriageInputError([problem]) from exc
    except json.JSONDecodeError as exc:
        raise TriageInputError(
            [("video_json", f"expected a {ANALYSIS_SCHEMA} JSON document; received {exc}")]
        ) from exc
    if not isinstance(data, dict):
        raise TriageInputError([("video_json", "expected a JSON object at the top level")])
    return data


def summarise_analysis(analysis: Any, kb: KnowledgeBase) -> dict[str, Any]:
    """Return ``{lift, view, reps, fault_reps}``: the rep count with each fault, per fault id.

    ``fault_reps[id]`` is None when the clip's lift or view cannot show that fault: unknown,
    not absent.

    Raises
    ------
    TriageInputError
        When the document is not a ``formcheck.analysis/1`` analysis.
    """
    doc = analysis.to_dict() if hasattr(analysis, "to_dict") else analysis
    problems: list[tuple[str, str]] = []
    if not isinstance(doc, Mapping):
        received = type(doc).__name__
        raise TriageInputError([("analysis", f"expected a mapping; received {received}")])
    if doc.get("schema") != ANALYSIS_SCHEMA:
        found = doc.get("schema")
        problems.append(
            ("analysis.schema", f"expected {ANALYSIS_SCHEMA!r}; received {quoted(found)}")
        )
    reps = doc.get("reps")
    if not isinstance(reps, list):
        problems.append(("analysis.reps", f"expected a list; received {type(reps).__name__}"))
        raise TriageInputError(problems)
    per_rep: list[set[str]] = []
    for i, rep in enumerate(reps):
        faults = rep.get("faults") if isinstance(rep, Mapping) else None
        if not isinstance(faults, list) or not all(
            isinstance(f, Mapping) and isinstance(f.get("id"), str) for f in faults
        ):
            where = f"analysis.reps[{i}].faults"
            problems.append((where, "expected a list of objects with an 'id'"))
            continue
        per_rep.append({f["id"] for f in faults})
    if problems:
        raise TriageInputError(problems)
    lift = str(doc.get("lift") or "unknown")
    view_doc = doc.get("view")
    view = str(view_doc.get("view") or "unknown") if isinstance(view_doc, Mapping) else "unknown"
    fault_reps: dict[str, int | None] = {}
    for fault in kb.faults.values():
        count = sum(fault.id in ids for ids in per_rep)
        visible = _lift_family(lift) in fault.lifts and view in fault.views
        # A fault the clip could not show is unknown; a fault it did show still counts.
        fault_reps[fault.id] = count if (count or visible) else None
    return {"lift": lift, "view": view, "reps": len(per_rep), "fault_reps": fault_reps}


def _lift_family(lift: str) -> str:
    # The analysis names styles ("high_bar_squat", "front_squat", ...); faults are per family.
    if "deadlift" in lift:
        return "deadlift"
    return "squat" if "squat" in lift else lift


def parse_training(raw: Any) -> TrainingContext:
    """Return the training signals validated from a mapping or a :class:`TrainingContext`.

    Raises
    ------
    TriageInputError
        Naming each bad field.
    """
    if isinstance(raw, TrainingContext):
        return raw
    try:
        return TrainingContext.model_validate(raw)
    except ValidationError as exc:
        raise TriageInputError(
            [(_loc("training", err["loc"]), _message(err)) for err in exc.errors()]
        ) from exc


def _loc(prefix: str, loc: tuple[Any, ...]) -> str:
    parts = [prefix, *[f"[{p}]" if isinstance(p, int) else str(p) for p in loc]]
    return ".".join(p for p in parts if p).replace(".[", "[")


def _message(err: Mapping[str, Any]) -> str:
    received = err.get("input")
    return f"{err['msg']}; received {quoted(received)}"


def describe_video(video: Mapping[str, Any], kb: KnowledgeBase) -> str:
    """Return one sentence saying what the latest video showed."""
    seen = [
        f"{kb.faults[f].title} in {n} of {video['reps']}"
        for f, n in video["fault_reps"].items()
        if n
    ]
    shown = "; ".join(seen) if seen else "no faults"
    return f"Latest video ({video['lift']}, {video['view']} view, {video['reps']} reps): {shown}."


def describe_training(training: TrainingContext) -> str | None:
    """Return one sentence with the training signals that were given, or None."""
    parts = []
    if training.week_over_week_increase_pct is not None:
        parts.append(f"weekly load {training.week_over_week_increase_pct:+g}% vs the week before")
    if training.hours_since_last_heavy_session is not None:
        hours = training.hours_since_last_heavy_session
        parts.append(f"{hours:g} h since the heavy session before")
    if training.pain_trend is not None:
        parts.append(f"pain across sessions: {training.pain_trend}")
    if not parts:
        return None
    return f"Training signals ({training.source}): " + "; ".join(parts) + "."
