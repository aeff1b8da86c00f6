"""The triage engine: red flags first, then the verdict rules, then the ranked causes.

How the verdict is decided (docs/triage.md has the long form):

1. Every red flag answered "yes", or derived from the findings, sets at least its level.
2. Every verdict rule that holds (injury signs, rule of twos, pain bands, region table,
   training signals) sets at least its level.
3. With no rule or flag above it, the soreness counts as normal (``keep_training``) only when
   the picture is DOMS-like: enough DOMS signs and no injury sign; otherwise
   ``rest_and_modify``, the cautious default.
4. The most urgent of these wins, so no red flag can be under-triaged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from formcheck.triage.evidence import (
    describe_training,
    describe_video,
    parse_training,
    summarise_analysis,
)
from formcheck.triage.facts import all_hold, compute_facts, holds, render
from formcheck.triage.knowledge import Cause, KnowledgeBase, default_knowledge
from formcheck.triage.models import (
    RESULT_SCHEMA,
    Answers,
    CauseResult,
    Change,
    FiredFlag,
    Level,
    Pattern,
    RuleHit,
    TrainingContext,
    TriageResult,
    level_rank,
)
from formcheck.triage.validation import parse_answers

MAX_CHANGES = 6


def triage(
    answers: Answers | Mapping[str, Any],
    analysis: Any = None,
    training: TrainingContext | Mapping[str, Any] | None = None,
    kb: KnowledgeBase | None = None,
) -> TriageResult:
    """Return the triage of a lifter's answers, using their video and training log if given.

    Parameters
    ----------
    answers
        The answers (an :class:`Answers` or a mapping in the ``formcheck triage --schema``).
    analysis
        The latest video analysis: a ``formcheck.analysis/1`` mapping or an ``Analysis``.
    training
        Training-log signals; overrides ``answers.training`` when both are given.
    kb
        A knowledge base; the packaged one by default.

    Raises
    ------
    TriageInputError
        When the answers, the analysis or the training signals are invalid.
    """
    kb = kb or default_knowledge()
    checked = parse_answers(answers, kb)
    signals = parse_training(training) if training is not None else checked.training
    video = summarise_analysis(analysis, kb) if analysis is not None else None
    facts = compute_facts(
        checked.model_dump(), kb, video, signals.model_dump() if signals else None
    )
    flags, not_answered = evaluate_red_flags(checked, facts, kb)
    hits = evaluate_rules(facts, kb)
    pattern = classify_pattern(hits, kb)
    verdict = decide_verdict(flags, hits, pattern)
    causes = rank_causes(facts, kb)
    return _assemble(kb, facts, verdict, flags, not_answered, hits, pattern, causes,
                     video, signals)


def evaluate_red_flags(
    answers: Answers, facts: Mapping[str, Any], kb: KnowledgeBase
) -> tuple[list[FiredFlag], list[str]]:
    """Return the red flags present (answered yes or derived) and the applicable unanswered ones."""
    groups = facts["region_groups"]
    fired: list[FiredFlag] = []
    not_answered: list[str] = []
    for flag in kb.red_flags.values():
        applies = not flag.groups or bool(set(flag.groups) & groups)
        if answers.red_flags.get(flag.id) is True:
            # A "yes" counts even if the flag is for another region: never argue with a flag.
            fired.append(FiredFlag(id=flag.id, level=flag.level, text=flag.text, how="answered"))
        elif all_hold(flag.derived_when, facts, kb):
            fired.append(FiredFlag(id=flag.id, level=flag.level, text=flag.text, how="derived"))
        elif flag.question and applies and flag.id not in answers.red_flags:
            not_answered.append(flag.id)
    fired.sort(key=lambda f: -level_rank(f.level))
    return fired, not_answered


def evaluate_rules(facts: Mapping[str, Any], kb: KnowledgeBase) -> list[RuleHit]:
    """Return the verdict rules that hold, with their reasons filled in."""
    return [
        RuleHit(id=rule.id, kind=rule.kind, level=rule.level,
                reason=render(rule.reason, facts, kb))
        for rule in kb.rules.values()
        if all_hold(rule.when, facts, kb)
    ]


def classify_pattern(hits: list[RuleHit], kb: KnowledgeBase) -> Pattern:
    """Return whether the findings look like DOMS, like an injury, both, or neither."""
    doms = [h.reason for h in hits if h.kind == "doms_sign"]
    injury = [h.reason for h in hits if h.kind == "injury_sign"]
    label: Literal["doms_like", "injury_like", "mixed", "unclear"]
    if doms and injury:
        label = "mixed"
    elif injury:
        label = "injury_like"
    elif len(doms) >= kb.param("doms_min_signs"):
        label = "doms_like"
    else:
        label = "unclear"
    return Pattern(label=label, doms_signs=doms, injury_signs=injury)


def decide_verdict(flags: list[FiredFlag], hits: list[RuleHit], pattern: Pattern) -> Level:
    """Return the most urgent level among the red flags, the rules and the base level."""
    base: Level = "keep_training" if pattern.label == "doms_like" else "rest_and_modify"
    levels: list[Level] = [base, *(f.level for f in flags), *(h.level for h in hits)]
    return max(levels, key=level_rank)


def rank_causes(facts: Mapping[str, Any], kb: KnowledgeBase) -> list[CauseResult]:
    """Return the causes that apply to the sore regions, best supported first."""
    places = facts["regions"] | facts["region_groups"]
    scored = [
        _score_cause(cause, facts, kb)
        for cause in kb.causes.values()
        if places & set(cause.regions)
    ]
    # sorted() is stable: on a tie the cause listed first (more common) stays first.
    return sorted(scored, key=lambda c: -c.score)


def _score_cause(cause: Cause, facts: Mapping[str, Any], kb: KnowledgeBase) -> CauseResult:
    supports = [c for c in cause.supports if holds(c, facts, kb)]
    against = [c for c in cause.against if holds(c, facts, kb)]
    score = cause.prior + sum(c.weight for c in supports) - sum(c.weight for c in against)
    return CauseResult(
        id=cause.id,
        title=cause.title,
        score=round(score, 2),
        supports=[render(c.reason, facts, kb) for c in supports],
        against=[render(c.reason, facts, kb) for c in against],
        fixes=cause.fixes,
    )


def _choose_changes(
    verdict: Level, hits: list[RuleHit], causes: list[CauseResult], kb: KnowledgeBase,
    facts: Mapping[str, Any],
) -> list[Change]:
    if level_rank(verdict) >= level_rank("urgent"):
        return []  # nothing to change in training before a doctor has seen it
    wanted: list[tuple[str, str]] = []
    for hit in sorted(hits, key=lambda h: -level_rank(h.level)):
        for fix_id in kb.rules[hit.id].fixes:
            wanted.append((fix_id, hit.reason))
    for cause in [c for c in causes if c.score > 0][:2]:
        for fix_id in cause.fixes:
            wanted.append((fix_id, f"likely cause: {cause.title.lower()}"))
    changes: dict[str, Change] = {}
    for fix_id, why in wanted:
        if fix_id in changes:
            continue
        fix = kb.fixes[fix_id]
        changes[fix_id] = Change(id=fix.id, title=fix.title, action=render(fix.action, facts, kb),
                                 cue=fix.cue, why=why)
    return list(changes.values())[:MAX_CHANGES]


def _assemble(
    kb: KnowledgeBase,
    facts: Mapping[str, Any],
    verdict: Level,
    flags: list[FiredFlag],
    not_answered: list[str],
    hits: list[RuleHit],
    pattern: Pattern,
    causes: list[CauseResult],
    video: Mapping[str, Any] | None,
    signals: TrainingContext | None,
) -> TriageResult:
    info = kb.verdicts[verdict]
    reasons = [f"red flag ({f.level.replace('_', ' ')}): {f.text}" for f in flags]
    reasons += [
        f"{h.kind.replace('_', ' ')}: {h.reason}"
        for h in sorted(hits, key=lambda h: -level_rank(h.level))
        if h.kind != "doms_sign"
    ]
    if level_rank(verdict) < level_rank("urgent"):
        reasons.append(_pattern_reason(pattern))  # beside an urgent flag it would only distract
    evidence = []
    if video is not None:
        evidence.append(describe_video(video, kb))
    else:
        evidence.append("No video analysis given (formcheck analyze --json, then --video-json).")
    described = describe_training(signals) if signals is not None else None
    if described:
        evidence.append(described)
    return TriageResult(
        schema=RESULT_SCHEMA,
        verdict=verdict,
        verdict_title=info.title,
        headline=info.headline,
        reasons=reasons,
        red_flags=flags,
        red_flags_not_answered=not_answered,
        rules=hits,
        pattern=pattern,
        causes=causes,
        do_now=[render(t, facts, kb) for t in info.do_now],
        where_to_go=info.where_to_go,
        changes=_choose_changes(verdict, hits, causes, kb, facts),
        recheck=render(info.recheck, facts, kb),
        evidence=evidence,
        disclaimer=kb.disclaimer,
    )


def _pattern_reason(pattern: Pattern) -> str:
    texts = {
        "doms_like": "DOMS signs and no injury sign: " + "; ".join(pattern.doms_signs),
        "injury_like": "injury signs and no DOMS signs: " + "; ".join(pattern.injury_signs),
        "mixed": "mixed picture - DOMS signs (" + "; ".join(pattern.doms_signs)
        + ") but also injury signs (" + "; ".join(pattern.injury_signs) + ")",
        "unclear": "not enough DOMS signs to call it normal soreness, so the cautious verdict",
    }
    return texts[pattern.label]
