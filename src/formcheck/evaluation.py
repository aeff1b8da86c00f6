"""Scores of analyses against labelled clips: reps, view, lift, faults, good/bad verdicts.

Pure functions over analysis dictionaries (schema ``formcheck.analysis/1``) and a labels file
in the shape of ``../shared/data/clips.json`` (``{"items": [{"file", "lift", "view", "reps",
"faults_expected", ...}]}``), matched by clip stem. ``formcheck eval`` is the thin CLI over it.

Notes
-----
- A labelled clip without an analysis counts as wrong on reps, view and lift (it is listed
  with status ``missing``); analyses without a label are ignored and counted.
- Fault labels are partial: a clip labelled "rounded back" says nothing about the bar path,
  so only the faults a label names (present) or rules out (absent) are scored. Free-text
  labels are read with the phrases in ``data/eval_labels.toml``.
- Faults of severity ``info`` never count as a flag; ``experimental`` ones do by default
  (the deadlift back-rounding check is experimental and is what a "rounded back" label tests).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from formcheck.errors import LabelsError

DEFAULT_SEVERITIES = frozenset({"fault", "experimental"})
ALL_ABSENT = "all_absent"


@dataclass(frozen=True)
class ClipLabel:
    """What a labels file says about one clip (None where it says nothing)."""

    stem: str
    lift: str | None
    view: str | None
    reps: int | None
    verdict: str | None  # "good" | "bad"
    present: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()


@dataclass
class ClipScore:
    """How one analysis compares with its label."""

    stem: str
    label: ClipLabel
    status: str  # "ok" | "missing"
    lift: str | None = None
    view: str | None = None
    reps: int | None = None
    flagged: tuple[str, ...] = ()
    tp: frozenset[str] = frozenset()
    fp: frozenset[str] = frozenset()
    fn: frozenset[str] = frozenset()

    @property
    def reps_ok(self) -> bool | None:
        """Return whether the rep count is exact (None when the label has no count)."""
        return None if self.label.reps is None else self.reps == self.label.reps

    @property
    def view_ok(self) -> bool | None:
        """Return whether the detected view equals the labelled one (None: no label)."""
        return None if self.label.view is None else self.view == self.label.view

    @property
    def lift_ok(self) -> bool | None:
        """Return whether the detected lift equals the labelled one (None: no label)."""
        return None if self.label.lift is None else self.lift == self.label.lift

    @property
    def verdict_ok(self) -> bool | None:
        """Return clean-on-good / flagged-on-bad for this clip (None: no verdict label)."""
        if self.label.verdict is None or self.status != "ok":
            return None if self.label.verdict is None else False
        return bool(self.flagged) == (self.label.verdict == "bad")


@dataclass(frozen=True)
class FaultScore:
    """Counts and rates of one fault over the clips whose labels speak about it."""

    id: str
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float | None:
        """Return tp / (tp + fp), or None when the fault was never flagged on a scored clip."""
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        """Return tp / (tp + fn), or None when no scored clip is labelled with it."""
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        """Return the harmonic mean of precision and recall (None when either is)."""
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)


@dataclass
class Evaluation:
    """Per-clip scores, per-fault scores and the totals of one evaluation."""

    clips: list[ClipScore]
    faults: list[FaultScore]
    unlabelled: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        """Return ``{name: {"hit", "of", "rate"}}`` for reps, view, lift, clean and flagged."""
        out: dict[str, Any] = {}
        checks = {
            "exact_reps": lambda c: c.reps_ok,
            "view": lambda c: c.view_ok,
            "lift": lambda c: c.lift_ok,
            "clean_on_good": lambda c: c.verdict_ok if c.label.verdict == "good" else None,
            "flagged_on_bad": lambda c: c.verdict_ok if c.label.verdict == "bad" else None,
        }
        for name, check in checks.items():
            # A missing analysis fails every check its label makes.
            values = [c.status == "ok" and bool(check(c)) for c in self.clips if _labelled(c, name)]
            hit = sum(values)
            out[name] = {"hit": hit, "of": len(values), "rate": _ratio(hit, len(values))}
        out["clips"] = len(self.clips)
        out["missing"] = sum(c.status == "missing" for c in self.clips)
        out["unlabelled"] = len(self.unlabelled)
        return out


def _labelled(c: ClipScore, name: str) -> bool:
    """Return whether the label speaks about ``name`` (so a missing analysis counts)."""
    lab = c.label
    return {
        "exact_reps": lab.reps is not None,
        "view": lab.view is not None,
        "lift": lab.lift is not None,
        "clean_on_good": lab.verdict == "good",
        "flagged_on_bad": lab.verdict == "bad",
    }[name]


def _ratio(a: int, b: int) -> float | None:
    return None if b == 0 else a / b


# --- labels ---------------------------------------------------------------------------------


def load_phrases(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Return the label phrases (``data/eval_labels.toml`` unless ``path`` is given)."""
    if path is None:
        text = resources.files("formcheck.data").joinpath("eval_labels.toml").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    return list(tomllib.loads(text)["phrases"])


def load_own_labels() -> list[dict[str, Any]]:
    """Return the clip labels formcheck's developers judged themselves (``[[clips]]``).

    Each has a clip ``stem``, ``faults_present`` and/or ``faults_absent`` (fault ids) and
    the ``reason`` it was judged so; they add to what a labels file says of that clip.
    """
    text = resources.files("formcheck.data").joinpath("eval_labels.toml").read_text("utf-8")
    return list(tomllib.loads(text).get("clips", []))


def add_own_labels(
    labels: dict[str, ClipLabel], own: list[dict[str, Any]]
) -> dict[str, ClipLabel]:
    """Return ``labels`` with ``own`` judgements added to the clips they name (others kept)."""
    out = dict(labels)
    for item in own:
        label = out.get(item["stem"])
        if label is None:
            continue  # a clip of another labels file
        present = label.present | frozenset(item.get("faults_present", ()))
        absent = (label.absent | frozenset(item.get("faults_absent", ()))) - present
        out[label.stem] = replace(label, present=present, absent=absent)
    return out


def load_labels(
    path: str | Path,
    fault_ids: Mapping[str, Iterable[str]],
    phrases: list[dict[str, Any]] | None = None,
) -> dict[str, ClipLabel]:
    """Return the labels of a clips.json-shaped file by clip stem.

    Parameters
    ----------
    path : str or Path
        The labels file.
    fault_ids : mapping
        ``{lift: fault ids}``: what "every fault absent" means for each lift.
    phrases : list of dict, optional
        How free-text ``faults_expected`` is read; default :func:`load_phrases`. The
        labels judged here (:func:`load_own_labels`) are added to the file's.

    Raises
    ------
    LabelsError
        When the file is unreadable or items lack a ``file`` or hold bad values (all listed).
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LabelsError(f"expected a readable JSON labels file at {path}, got: {exc}") from exc
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise LabelsError(f"expected {path} to hold {{'items': [...]}}, got {type(doc).__name__}")
    labels = labels_from_items(
        items, fault_ids, phrases if phrases is not None else load_phrases()
    )
    return add_own_labels(labels, load_own_labels())


def labels_from_items(
    items: list[Any],
    fault_ids: Mapping[str, Iterable[str]],
    phrases: list[dict[str, Any]],
) -> dict[str, ClipLabel]:
    """Return ``{stem: ClipLabel}`` for the items that name a clip (keypoint sets are skipped)."""
    out: dict[str, ClipLabel] = {}
    problems: list[str] = []
    known = {lift: frozenset(ids) for lift, ids in fault_ids.items()}
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            problems.append(f"item {n}: expected an object with a 'file' string")
            continue
        if "lift" not in item and "reps" not in item:
            continue  # a keypoint data set, not a clip
        try:
            label = _label(item, known, phrases)
        except ValueError as exc:
            problems.append(f"{item['file']}: {exc}")
            continue
        if label.stem in out:
            problems.append(f"{item['file']}: expected one label per clip stem, got a second")
        out[label.stem] = label
    if problems:
        raise LabelsError("labels file: " + "; ".join(problems))
    return out


def _label(
    item: dict[str, Any], known: Mapping[str, frozenset[str]], phrases: list[dict[str, Any]]
) -> ClipLabel:
    lift = item.get("lift")
    if lift is not None and lift not in known:
        raise ValueError(f"expected lift in {sorted(known)}, got {lift!r}")
    reps = item.get("reps")
    if reps is not None and (not isinstance(reps, int) or isinstance(reps, bool) or reps < 0):
        raise ValueError(f"expected reps to be a whole number >= 0, got {reps!r}")
    verdict, present, absent = _fault_labels(item, lift, known, phrases)
    unknown = (present | absent) - frozenset().union(*known.values())
    if unknown:
        raise ValueError(f"expected fault ids of rules.toml, got {sorted(unknown)}")
    return ClipLabel(
        stem=Path(item["file"]).stem,
        lift=lift,
        view=item.get("view"),
        reps=reps,
        verdict=verdict,
        present=present,
        absent=absent,
    )


def _fault_labels(
    item: dict[str, Any],
    lift: str | None,
    known: Mapping[str, frozenset[str]],
    phrases: list[dict[str, Any]],
) -> tuple[str | None, frozenset[str], frozenset[str]]:
    """Return (verdict, present ids, absent ids) from structured fields or the label text."""
    every = known.get(lift or "", frozenset())
    if any(k in item for k in ("verdict", "faults_present", "faults_absent")):
        verdict = item.get("verdict")
        if verdict not in (None, "good", "bad"):
            raise ValueError(f"expected verdict 'good' or 'bad', got {verdict!r}")
        present = frozenset(item.get("faults_present") or ())
        raw_absent = item.get("faults_absent") or ()
        absent = every - present if raw_absent == "all" else frozenset(raw_absent)
        return verdict, present, absent
    text = str(item.get("faults_expected") or "").lower()
    if not text:
        return None, frozenset(), frozenset()
    for phrase in phrases:
        if phrase["text"].lower() in text and phrase.get("lift", lift) == lift:
            ids = set(phrase.get("faults", []))
            if ALL_ABSENT in ids:
                return phrase["verdict"], frozenset(), every
            return phrase["verdict"], frozenset(ids), frozenset()
    raise ValueError(
        f"expected faults_expected to match a phrase of eval_labels.toml, got {text!r}"
    )


# --- analyses -------------------------------------------------------------------------------


def load_analyses(folder: str | Path) -> dict[str, dict[str, Any]]:
    """Return the analysis JSONs under ``folder`` by clip stem (per-view part files skipped).

    Raises
    ------
    LabelsError
        When the folder is missing or two analyses are of clips with the same stem.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise LabelsError(f"--analyses: expected a folder of analysis JSON, got {folder}")
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.rglob("*.json")):
        if ".part" in path.name:
            continue
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if not isinstance(doc, dict) or doc.get("schema") != "formcheck.analysis/1":
            continue
        stem = Path(str((doc.get("video") or {}).get("path") or path)).stem
        if stem in out:
            raise LabelsError(f"expected one analysis per clip stem, got two for {stem!r}")
        out[stem] = doc
    return out


def flagged_faults(analysis: Mapping[str, Any], severities: Iterable[str]) -> tuple[str, ...]:
    """Return the sorted ids of the faults of counted severity in an analysis dict."""
    keep = set(severities)
    return tuple(
        sorted(
            {
                f["id"]
                for r in analysis.get("reps", [])
                for f in r.get("faults", [])
                if f.get("severity") in keep
            }
        )
    )


# --- scoring --------------------------------------------------------------------------------


def evaluate(
    analyses: Mapping[str, Mapping[str, Any]],
    labels: Mapping[str, ClipLabel],
    severities: Iterable[str] = DEFAULT_SEVERITIES,
) -> Evaluation:
    """Return the scores of ``analyses`` (by clip stem) against ``labels`` (by clip stem)."""
    sev = frozenset(severities)
    clips = [_score_clip(stem, label, analyses.get(stem), sev) for stem, label in labels.items()]
    ids = sorted({f for c in clips for f in c.label.present | c.label.absent})
    faults = []
    for fid in ids:
        scored = [c for c in clips if fid in c.label.present | c.label.absent]
        faults.append(
            FaultScore(
                id=fid,
                tp=sum(fid in c.tp for c in scored),
                fp=sum(fid in c.fp for c in scored),
                fn=sum(fid in c.fn for c in scored),
                tn=sum(
                    c.status == "ok" and fid in c.label.absent and fid not in c.flagged
                    for c in scored
                ),
            )
        )
    unlabelled = sorted(set(analyses) - set(labels))
    return Evaluation(clips=clips, faults=faults, unlabelled=unlabelled)


def _score_clip(
    stem: str, label: ClipLabel, analysis: Mapping[str, Any] | None, sev: frozenset[str]
) -> ClipScore:
    if analysis is None:
        # Nothing was found, so every fault the label names is missed.
        return ClipScore(stem=stem, label=label, status="missing", fn=label.present)
    flagged = flagged_faults(analysis, sev)
    got = set(flagged)
    return ClipScore(
        stem=stem,
        label=label,
        status="ok",
        lift=analysis.get("lift"),
        view=(analysis.get("view") or {}).get("view"),
        reps=len(analysis.get("reps", [])),
        flagged=flagged,
        tp=frozenset(got & label.present),
        fp=frozenset(got & label.absent),
        fn=frozenset(label.present - got),
    )


def clip_rows(ev: Evaluation) -> list[dict[str, Any]]:
    """Return one flat dictionary per clip (the CSV and the table of ``formcheck eval``)."""
    rows = []
    for c in ev.clips:
        rows.append(
            {
                "clip": c.stem,
                "status": c.status,
                "lift_label": c.label.lift,
                "lift": c.lift,
                "view_label": c.label.view,
                "view": c.view,
                "reps_label": c.label.reps,
                "reps": c.reps,
                "reps_ok": c.reps_ok,
                "view_ok": c.view_ok,
                "lift_ok": c.lift_ok,
                "verdict_label": c.label.verdict,
                "verdict_ok": c.verdict_ok,
                "faults_flagged": " ".join(c.flagged),
                "faults_labelled": " ".join(sorted(c.label.present)),
                "missed": " ".join(sorted(c.fn)),
                "false_alarms": " ".join(sorted(c.fp)),
            }
        )
    return rows


def fault_rows(ev: Evaluation) -> list[dict[str, Any]]:
    """Return one dictionary per scored fault: counts, precision, recall and F1."""
    return [
        {
            "fault": f.id,
            "tp": f.tp,
            "fp": f.fp,
            "fn": f.fn,
            "tn": f.tn,
            "precision": f.precision,
            "recall": f.recall,
            "f1": f.f1,
        }
        for f in ev.faults
    ]


def evaluation_dict(ev: Evaluation) -> dict[str, Any]:
    """Return the whole evaluation as a JSON-ready dictionary."""
    return {
        "schema": "formcheck.eval/1",
        "totals": ev.totals(),
        "clips": clip_rows(ev),
        "faults": fault_rows(ev),
        "unlabelled": ev.unlabelled,
    }
