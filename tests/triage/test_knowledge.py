"""The knowledge base loads, carries a source on every entry, and round-trips through YAML."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from formcheck.triage import load_knowledge, triage
from formcheck.triage.knowledge import _FILES
from formcheck.triage.models import level_rank


def _write(kb, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for key, (name, _model) in _FILES.items():
        entries = [
            e.model_dump(mode="json", exclude_defaults=True) for e in getattr(kb, key).values()
        ]
        doc = {key: entries}
        if key == "verdicts":
            doc["disclaimer"] = kb.disclaimer
        (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False))


def test_required_regions_and_sources(kb):
    assert {
        "neck_left",
        "neck_right",
        "upper_back_traps",
        "upper_back_c7",
        "scapula_left",
        "between_shoulder_blades",
        "mid_back",
        "lower_back_left",
        "lower_back_right",
        "lower_back_central",
        "hamstrings",
        "ribs",
        "shoulder_left",
    } <= set(kb.regions)
    for section in (
        "regions",
        "findings",
        "red_flags",
        "rules",
        "causes",
        "fixes",
        "verdicts",
        "parameters",
        "faults",
    ):
        for entry in getattr(kb, section).values():
            assert entry.source.strip(), f"{section}.{entry.id} has no source"
    assert {f.level for f in kb.red_flags.values()} == {"emergency", "urgent", "see_professional"}


def test_round_trip(kb, tmp_path):
    _write(kb, tmp_path / "copy")
    assert load_knowledge(tmp_path / "copy") == kb


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_red_flags_win_whatever_the_parameters(kb, tmp_path_factory, data):
    # Re-tuning the numbers anywhere in their allowed ranges must never let a red flag be
    # under-triaged.
    changed = kb.model_copy(deep=True)
    for pid, param in kb.parameters.items():
        value = data.draw(st.floats(param.min, param.max), label=pid)
        changed.parameters[pid] = param.model_copy(update={"value": value})
    folder = tmp_path_factory.mktemp("kb")
    _write(changed, folder)
    tuned = load_knowledge(folder)
    flag = data.draw(st.sampled_from(list(kb.red_flags)), label="flag")
    answers = {
        "regions": ["lower_back_central"],
        "quality": "dull",
        "onset": "next_day",
        "hours_since_onset": 30,
        "side": "middle",
        "red_flags": {flag: True},
    }
    result = triage(answers, kb=tuned)
    assert level_rank(result.verdict) >= level_rank(kb.red_flags[flag].level)
