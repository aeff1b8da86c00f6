"""Print the back-rounding measure per rep of every shared clip, with its label (issue 12).

For each clip of ``clips.json`` whose pose track is cached (or can be made): the lift, the
view, and per rep ``back_bow`` (the silhouette's bow at the greatest hip flexion, see
:mod:`formcheck.analysis.back`), ``back_bow_standing``, what the rule said (``flag``,
``-``, ``not judged``, ``would flag``), and the clip's back-rounding label (clips.json plus
the labels judged in ``data/eval_labels.toml``). Clips in ``HELD_BACK`` were kept out of
choosing the threshold and are listed apart. Usage:
``python scripts/back_rounding_evidence.py [DATA_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from formcheck.capture.pose import estimate_track
from formcheck.config import load_rules
from formcheck.evaluation import load_labels
from formcheck.pipeline import analyze_track
from formcheck.result import Analysis

# Kept out while choosing dl_back_rounding's threshold: the labelled rounded/neutral pair
# (one lifter, one camera) and one good side pull.
HELD_BACK = ("side_deadlift_bad_rounded_back", "side_deadlift_good_neutral_back",
             "side_deadlift_good_c")
RULE = {"squat": "back_rounding", "deadlift": "dl_back_rounding"}


def _said(analysis: Analysis, index: int) -> str:
    """Return what the lift's back-rounding rule said of rep ``index``."""
    fid = RULE[analysis.lift]
    rep = analysis.reps[index - 1]
    if any(f.id == fid for f in rep.faults):
        return "flag"
    item = next((n for n in rep.not_judged if n.id == fid), None)
    if item is None:
        return "-"
    return "would flag (not judged)" if item.would_flag else "not judged"


def _label(labels: dict, stem: str, lift: str) -> str:  # type: ignore[type-arg]
    label = labels.get(stem)
    fid = RULE.get(lift, "")
    if label is None:
        return "?"
    return "rounded" if fid in label.present else "not rounded" if fid in label.absent else "?"


def main(data: str = "../shared/data") -> None:
    """Print one line per rep, development clips first, then the held-back ones."""
    ids: dict[str, list[str]] = {}
    for fid, rule in load_rules().faults.items():
        ids.setdefault(rule.lift, []).append(fid)
    labels = load_labels(Path(data) / "clips.json", ids)
    rows: dict[bool, list[str]] = {False: [], True: []}
    for stem in sorted(labels):
        clip = next(Path(data, "clips").glob(f"{stem}.*"), None)
        if clip is None:
            continue
        video, track, _ = estimate_track(clip)
        a = analyze_track(track, video, split_by_view=False)
        for rep in a.reps:
            bow = rep.metrics.get("back_bow")
            stand = rep.metrics.get("back_bow_standing")
            rows[stem in HELD_BACK].append(
                f"{stem:40s} {a.lift:8s} {a.view.view:8s} rep {rep.index:2d} "
                f"bow {getattr(bow, 'value', None)!s:>7} standing "
                f"{getattr(stand, 'value', None)!s:>7} | {_said(a, rep.index):24s} | "
                f"{_label(labels, stem, a.lift)}"
            )
        if not a.reps:
            rows[stem in HELD_BACK].append(f"{stem:40s} {a.lift:8s} {a.view.view:8s} no reps")
    for held, title in ((False, "development clips"), (True, "held back")):
        print(f"## {title}")
        print("\n".join(rows[held]))


if __name__ == "__main__":
    main(*sys.argv[1:])
