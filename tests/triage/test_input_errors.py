"""Every bad-input path gives a named error whose message names the field."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest

from formcheck.errors import ConfigError, FormcheckError
from formcheck.result import SCHEMA
from formcheck.triage import KnowledgeBaseError, TriageInputError, load_knowledge, triage
from formcheck.triage.knowledge import DATA_DIR

BASE = {"regions": ["lower_back_central"], "quality": "dull", "onset": "next_day",
        "hours_since_onset": 30, "side": "middle"}


def _with(**changes):
    return {**BASE, **changes}


def test_errors_are_formcheck_errors():
    assert issubclass(TriageInputError, FormcheckError)
    assert issubclass(KnowledgeBaseError, ConfigError)


def test_unknown_region():
    with pytest.raises(TriageInputError, match=r"regions\[1\]: expected one of .*received 'knee'"):
        triage(_with(regions=["lower_back_central", "knee"]))


def test_no_region():
    with pytest.raises(TriageInputError, match=r"regions: is required: give at least one"):
        triage(_with(regions=[]))


def test_missing_regions():
    with pytest.raises(TriageInputError, match=r"regions: is required"):
        triage({"quality": "dull"})


def test_no_region_is_fine_with_an_urgent_flag():
    assert triage({"red_flags": {"night_rest_pain": True}}).verdict == "urgent"
    with pytest.raises(TriageInputError, match=r"regions: is required"):
        triage({"red_flags": {"pain_radiates": True}})


@pytest.mark.parametrize("moment,value", [("during", 11), ("before", -1), ("next_morning", 10.5)])
def test_severity_outside_0_to_10(moment, value):
    with pytest.raises(TriageInputError, match=rf"severity\.{moment}: .*received {value}"):
        triage(_with(severity={moment: value}))


def test_onset_hours_in_the_future():
    with pytest.raises(TriageInputError, match=r"hours_since_onset: expected a time in the past"):
        triage(_with(hours_since_onset=-5))


def test_onset_date_in_the_future():
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    answers = _with(hours_since_onset=None, onset_at=(now + timedelta(days=2)).isoformat(),
                    answered_at=now.isoformat())
    with pytest.raises(TriageInputError, match=r"onset_at: expected a time in the past.*48 h"):
        triage(answers)


def test_onset_date_in_the_past_gives_the_hours():
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    answers = _with(hours_since_onset=None, onset_at=(now - timedelta(days=60)).isoformat(),
                    answered_at=now.isoformat())
    result = triage(answers)
    assert "pain_over_six_weeks" in [f.id for f in result.red_flags]


def test_onset_given_twice():
    with pytest.raises(TriageInputError, match=r"onset_at: give either hours_since_onset"):
        triage(_with(onset_at="2026-01-01T00:00:00"))


def test_one_side_with_left_and_right_regions():
    with pytest.raises(TriageInputError, match=r"side: 'one_side' contradicts regions on both"):
        triage(_with(regions=["lower_back_left", "lower_back_right"], side="one_side"))


def test_both_sides_with_only_left_regions():
    with pytest.raises(TriageInputError, match=r"side: 'both_sides' contradicts .* left"):
        triage(_with(regions=["neck_left", "lower_back_left"], side="both_sides"))


def test_next_morning_pain_before_any_night():
    answers = _with(onset="during_lift", hours_since_onset=2,
                    severity={"during": 4, "next_morning": 5})
    with pytest.raises(TriageInputError, match=r"severity\.next_morning: .*started 2 h ago"):
        triage(answers)


def test_onset_during_lift_but_no_pain_during():
    with pytest.raises(TriageInputError, match=r"severity\.during: onset 'during_lift'"):
        triage(_with(onset="during_lift", severity={"during": 0}))


def test_settled_later_than_now():
    with pytest.raises(TriageInputError, match=r"settled_after_hours: cannot be more than"):
        triage(_with(onset="right_after", hours_since_onset=3, settled_after_hours=5))


def test_settled_and_not_settled():
    with pytest.raises(TriageInputError, match=r"not_settled: contradicts settled_after_hours"):
        triage(_with(settled_after_hours=1, not_settled=True))


def test_unknown_choice_red_flag_and_field_all_in_one_message():
    answers = _with(quality="burning", red_flags={"alien_abduction": True})
    with pytest.raises(TriageInputError, match=r"2 problem.*quality: expected one of .*'burning'"
                                               r".*red_flags: unknown red-flag id"):
        triage(answers)


def test_unknown_field():
    with pytest.raises(TriageInputError, match=r"colour: extra inputs are not permitted"):
        triage(_with(colour="blue"))


def test_wrong_type():
    with pytest.raises(TriageInputError, match=r"hours_since_onset: .*received 'yesterday'"):
        triage(_with(hours_since_onset="yesterday"))


def test_answers_not_a_mapping():
    with pytest.raises(TriageInputError, match=r"answers: expected a mapping.*list"):
        triage(["lower_back_central"])


def test_bad_training_signal():
    with pytest.raises(TriageInputError, match=r"training\.pain_trend: .*'terrible'"):
        triage(BASE, training={"pain_trend": "terrible"})


def test_bad_analysis_schema():
    with pytest.raises(TriageInputError, match=r"analysis\.schema: expected 'formcheck\.analysis"):
        triage(BASE, analysis={"schema": "other/2", "reps": []})


def test_bad_analysis_reps():
    with pytest.raises(TriageInputError, match=r"analysis\.reps\[0\]\.faults: expected a list"):
        triage(BASE, analysis={"schema": SCHEMA, "reps": [{"faults": "forward_lean"}]})


def test_bad_analysis_file(tmp_path):
    from formcheck.triage.evidence import load_analysis

    bad = tmp_path / "a.json"
    bad.write_text("{not json")
    with pytest.raises(TriageInputError, match=r"video_json: expected a formcheck\.analysis/1"):
        load_analysis(bad)
    with pytest.raises(TriageInputError, match=r"video_json: expected a readable file"):
        load_analysis(tmp_path / "missing.json")


def _copy_data(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_knowledge_base_error_names_file_entry_field(tmp_path):
    data = _copy_data(tmp_path)
    text = (data / "redflags.yaml").read_text().replace("level: emergency", "level: panic", 1)
    (data / "redflags.yaml").write_text(text)
    with pytest.raises(KnowledgeBaseError,
                       match=r"redflags\.yaml, entry 'saddle_numbness', field 'level'"):
        load_knowledge(data)


def test_knowledge_base_unknown_parameter_and_fact(tmp_path):
    data = _copy_data(tmp_path)
    rules = (data / "rules.yaml").read_text()
    rules = rules.replace("$rule_of_twos_max_rise}]", "$rule_of_fours}]", 1)
    rules = rules.replace("fact: swelling,", "fact: swollen,", 1)
    (data / "rules.yaml").write_text(rules)
    with pytest.raises(KnowledgeBaseError,
                       match=r"entry 'injury_swelling', field 'when'\[0\]\.fact: "
                             r"unknown fact 'swollen'.*unknown parameter 'rule_of_fours'"):
        load_knowledge(data)


def test_knowledge_base_bad_choice_value(tmp_path):
    data = _copy_data(tmp_path)
    rules = (data / "rules.yaml").read_text().replace(
        "value: [dull, stiff, tight]}", "value: [dulll, stiff, tight]}", 1)
    (data / "rules.yaml").write_text(rules)
    with pytest.raises(KnowledgeBaseError, match=r"'doms_dull'.*\['dulll'\] not among the choices"):
        load_knowledge(data)


def test_knowledge_base_unknown_fix_and_missing_source(tmp_path):
    data = _copy_data(tmp_path)
    causes = (data / "causes.yaml").read_text().replace("fixes: [warm_up_and_relax]",
                                                        "fixes: [hot_tub]", 1)
    (data / "causes.yaml").write_text(causes)
    fixes = (data / "fixes.yaml").read_text().replace(
        "    source: DOMAIN.md s2 (upper back, muscular, dull, 1-3 days)\n", "", 1)
    (data / "fixes.yaml").write_text(fixes)
    with pytest.raises(KnowledgeBaseError,
                       match=r"fixes\.yaml, entry 'warm_up_and_relax', "
                             r"field 'source': Field required"):
        load_knowledge(data)
    (data / "fixes.yaml").write_text((DATA_DIR / "fixes.yaml").read_text())
    with pytest.raises(KnowledgeBaseError, match=r"'trap_bar_hold', field 'fixes': unknown fix"):
        load_knowledge(data)


def test_knowledge_base_unreadable_yaml(tmp_path):
    data = _copy_data(tmp_path)
    (data / "regions.yaml").write_text("regions: [unclosed")
    with pytest.raises(KnowledgeBaseError, match=r"regions\.yaml: expected readable YAML"):
        load_knowledge(data)


def test_parameters_change_behaviour(tmp_path):
    # Numbers are data: widening the rule of twos to 3/10 lets a 3-point rise pass that rule.
    answers = _with(onset="right_after", hours_since_onset=3, regions=["hamstrings"],
                    side="both_sides", severity={"before": 0, "during": 3})
    assert "twos_during_rise" in [r.id for r in triage(answers).rules]
    data = _copy_data(tmp_path)
    params = (data / "parameters.yaml").read_text().replace(
        "id: rule_of_twos_max_rise\n    value: 2", "id: rule_of_twos_max_rise\n    value: 3")
    (data / "parameters.yaml").write_text(params)
    relaxed = triage(answers, kb=load_knowledge(data))
    assert "twos_during_rise" not in [r.id for r in relaxed.rules]
    json.dumps(relaxed.to_dict())


def test_every_parameter_is_used_and_documented(kb):
    from conftest import REPO_ROOT

    package = REPO_ROOT / "src" / "formcheck" / "triage"
    texts = [p.read_text() for p in (package / "data").glob("*.yaml")
             if p.name != "parameters.yaml"]
    texts += [p.read_text() for p in package.glob("*.py")]
    docs = (REPO_ROOT / "docs" / "triage.md").read_text()
    for name in kb.parameters:
        assert any(name in t for t in texts), f"parameter {name} is never used"
        assert f"`{name}`" in docs, f"parameter {name} is not in docs/triage.md"


def test_every_answers_field_is_documented():
    from conftest import REPO_ROOT
    from formcheck.triage import Answers, TrainingContext

    docs = (REPO_ROOT / "docs" / "triage.md").read_text()
    names = [f.alias or n for n, f in Answers.model_fields.items()]
    names += list(TrainingContext.model_fields)
    for name in names:
        assert f"`{name}`" in docs, f"answers field {name} is not in docs/triage.md"
