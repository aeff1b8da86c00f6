"""The lifter vignettes (written from DOMAIN.md) run against the engine, one test each."""

from __future__ import annotations

import pytest
from vignettes import (
    HOLDOUT_FILE,
    ROUND2_FILE,
    VIGNETTES_FILE,
    analysis_document,
    expected_causes,
    load_vignettes,
)

from formcheck.triage import LEVELS, triage
from formcheck.triage.models import level_rank

MAIN = load_vignettes(VIGNETTES_FILE)
HOLDOUT = load_vignettes(HOLDOUT_FILE)
ROUND2 = load_vignettes(ROUND2_FILE)
ALL = MAIN + HOLDOUT + ROUND2


def _run(vignette):
    video = analysis_document(vignette["video"]) if "video" in vignette else None
    return triage(vignette["answers"], analysis=video, training=vignette.get("training"))


@pytest.mark.parametrize("vignette", ALL, ids=[v["id"] for v in ALL])
def test_vignette_verdict_and_top_cause(vignette):
    result = _run(vignette)
    assert result.verdict == vignette["expect"]["verdict"], result.reasons
    assert result.top_cause in expected_causes(vignette), [(c.id, c.score) for c in result.causes]


def test_vignettes_cover_every_verdict_and_region(kb):
    assert len(MAIN) >= 40
    assert {v["expect"]["verdict"] for v in MAIN} == set(LEVELS)
    # The round-2 regions (head, front of thigh, back in general) are covered by round 2.
    regions = {r for v in MAIN + ROUND2 for r in v["answers"]["regions"]}
    groups = {kb.regions[r].group for r in regions}
    assert groups == kb.region_groups
    # lower back both dull and sharp, with and without red flags
    lower = [v for v in MAIN if kb.regions[v["answers"]["regions"][0]].group == "lower_back"]
    assert {v["answers"].get("quality") for v in lower} >= {"dull", "sharp"}
    assert any(v["answers"].get("red_flags") for v in lower)
    assert any(not v["answers"].get("red_flags") for v in lower)


@pytest.mark.parametrize(
    "name,rows", [("main", MAIN), ("holdout", HOLDOUT), ("round2", ROUND2)]
)
def test_agreement_meets_the_bar(name, rows, capsys):
    verdict_ok = cause_ok = under = 0
    for vignette in rows:
        result = _run(vignette)
        want = vignette["expect"]["verdict"]
        verdict_ok += result.verdict == want
        cause_ok += result.top_cause in expected_causes(vignette)
        under += level_rank(result.verdict) < level_rank(want)
    n = len(rows)
    with capsys.disabled():
        print(f"\n[{name}] {n} vignettes: verdict agreement {100 * verdict_ok / n:.1f}%, "
              f"top-cause agreement {100 * cause_ok / n:.1f}%, under-triaged {under}")
    assert under == 0
    assert verdict_ok / n >= 0.90
