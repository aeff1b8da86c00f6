"""Print how often the triage engine agrees with the vignettes written from DOMAIN.md.

Run: .venv/bin/python scripts/triage_agreement.py [-v]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "triage"))

from vignettes import (
    HOLDOUT_FILE,
    ROUND2_FILE,
    VIGNETTES_FILE,
    analysis_document,
    expected_causes,
    load_vignettes,
)

from formcheck.triage import triage
from formcheck.triage.models import level_rank


def main() -> int:
    """Print the agreement of both vignette sets; return the exit code."""
    verbose = "-v" in sys.argv
    for path in (VIGNETTES_FILE, HOLDOUT_FILE, ROUND2_FILE):
        print(f"== {path.name}")
        report(load_vignettes(path), verbose)
    return 0


def report(rows: list[dict], verbose: bool) -> None:
    """Print the agreement numbers of one vignette set."""
    verdict_ok = cause_ok = under = 0
    for v in rows:
        video = analysis_document(v["video"]) if "video" in v else None
        result = triage(v["answers"], analysis=video, training=v.get("training"))
        want = v["expect"]["verdict"]
        good_v = result.verdict == want
        good_c = result.top_cause in expected_causes(v)
        verdict_ok += good_v
        cause_ok += good_c
        under += level_rank(result.verdict) < level_rank(want)
        if verbose and not (good_v and good_c):
            print(f"{v['id']}: verdict {result.verdict} (want {want}), top cause "
                  f"{result.top_cause} (want {expected_causes(v)}); "
                  f"{[(c.id, c.score) for c in result.causes[:3]]}")
    n = len(rows)
    print(f"vignettes: {n}")
    print(f"verdict agreement: {verdict_ok}/{n} = {100 * verdict_ok / n:.1f}%")
    print(f"top-cause agreement: {cause_ok}/{n} = {100 * cause_ok / n:.1f}%")
    print(f"under-triaged: {under}")


if __name__ == "__main__":
    raise SystemExit(main())
