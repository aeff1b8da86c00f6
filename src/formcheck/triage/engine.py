"""The triage engine: red flags first, then the verdict rules, then the ranked causes.

How the verdict is decided (docs/triage.md has the long form):

1. Every red flag answered "yes", or inferred from the findings, sets at least its level. An
   inferred flag never overrides the lifter's explicit "no" unless every finding it is
   inferred from is itself one of the lifter's answers; when it does, it says so.
2. Every verdict rule that holds (injury signs, rule of twos, pain bands, region table,
   training signals) sets at least its level.
3. With no rule or flag above it, the soreness counts as normal (``keep_training``) only when
   the picture is DOMS-like (enough DOMS signs and no injury sign) or is mild discomfort that
   settled quickly with no injury sign; otherwise ``rest_and_modify``, the cautious default.
4. The most urgent of these wins, so no red flag can be under-triaged.
5. When red flags decide the verdict, the top cause is the condition they point at.
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
from formcheck.triage.facts import all_hold, answered_facts, compute_facts, holds, render
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
    data = checked.model_dump()
    facts = compute_facts(data, kb, video, signals.model_dump() if signals else None)
    flags, not_answered = evaluate_red_flags(checked, facts, kb, answered_facts(data, kb))
    hits = evaluate_rules(facts, kb)
    pattern = classify_pattern(hits, kb)
    verdict = decide_verdict(flags, hits, pattern)
    causes = rank_causes(facts, kb, [f for f in flags if f.level == verdict])
    return _assemble(kb, facts, verdict, flags, not_answered, hits, pattern, causes,
                     video, signals)


def evaluate_red_flags(
    answers: Answers,
    facts: Mapping[str, Any],
    kb: KnowledgeBase,
    answered: set[str] | None = None,
) -> tuple[list[FiredFlag], list[str]]:
    """Return the red flags present (answered yes or inferred) and the applicable unanswered ones.

    Parameters
    ----------
    answered
        The facts that are the lifter's own answers (:func:`facts.answered_facts`). A flag
        inferred from the findings overrides an explicit "no" only when every fact it is
        inferred from is in this set; None means every fact counts as answered.
    """
    groups = facts["region_groups"]
    fired: list[FiredFlag] = []
    not_answered: list[str] = []
    for flag in kb.red_flags.values():
        applies = not flag.groups or bool(set(flag.groups) & groups)
        said = answers.red_flags.get(flag.id)
        if said is True:
            # A "yes" counts even if the flag is for another region: never argue with a flag.
            fired.append(FiredFlag(id=flag.id, level=flag.level, text=flag.text, how="answered"))
        elif all_hold(flag.derived_when, facts, kb):
            own = answered is None or all(c.fact in answered for c in flag.derived_when)
            if said is False and not own:
                continue  # the lifter's "no" stands against evidence that is not their answer
            fired.append(FiredFlag(
                id=flag.id, level=flag.level, text=flag.text, how="inferred",
                because=render(flag.inferred_because, facts, kb),
                overrode=False if said is False else None,
            ))
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
    normal = [h.reason for h in hits if h.kind == "normal_sign"]
    label: Literal["doms_like", "settled_quickly", "injury_like", "mixed", "unclear"]
    if doms and injury:
        label = "mixed"
    elif injury:
        label = "injury_like"
    elif len(doms) >= kb.param("doms_min_signs"):
        label = "doms_like"
    elif normal:
        label = "settled_quickly"
    else:
        label = "unclear"
    return Pattern(label=label, doms_signs=doms + normal, injury_signs=injury)


def decide_verdict(flags: list[FiredFlag], hits: list[RuleHit], pattern: Pattern) -> Level:
    """Return the most urgent level among the red flags, the rules and the base level."""
    normal = pattern.label in ("doms_like", "settled_quickly")
    base: Level = "keep_training" if normal else "rest_and_modify"
    levels: list[Level] = [base, *(f.level for f in flags), *(h.level for h in hits)]
    return max(levels, key=level_rank)


def rank_causes(
    facts: Mapping[str, Any], kb: KnowledgeBase, deciding: list[FiredFlag] | None = None
) -> list[CauseResult]:
    """Return the causes that apply to the sore regions, best supported first.

    ``deciding`` are the red flags at the verdict's level: for each (most urgent first) the
    first cause it points at that applies is put at the top, since that is what the verdict
    is about. A ``red_flag_cause`` is listed only when a present flag points at it.
    """
    places = facts["regions"] | facts["region_groups"]
    deciding = deciding or []
    pointed = {c for f in deciding for c in kb.red_flags[f.id].points_to}
    scored = [
        _score_cause(cause, facts, kb)
        for cause in kb.causes.values()
        if _applies(cause, places, pointed)
    ]
    # sorted() is stable: on a tie the cause listed first (more common) stays first.
    ranked = sorted(scored, key=lambda c: -c.score)
    by_id = {c.id: c for c in ranked}
    first: list[CauseResult] = []
    for flag in deciding:
        hit = next((by_id[c] for c in kb.red_flags[flag.id].points_to if c in by_id), None)
        if hit is not None and hit not in first:
            first.append(hit)
    return first + [c for c in ranked if c not in first]


def _applies(cause: Cause, places: set[str], pointed: set[str]) -> bool:
    if cause.red_flag_cause and cause.id not in pointed:
        return False
    return not cause.regions or bool(places & set(cause.regions))


def _score_cause(cause: Cause, facts: Mapping[str, Any], kb: KnowledgeBase) -> CauseResult:
    supports = [c for c in cause.supports if holds(c, facts, kb)]
    against = [c for c in cause.against if holds(c, facts, kb)]
    score = cause.prior + sum(c.weight for c in supports) - sum(c.weight for c in against)
    reasons = [render(c.reason, facts, kb) for c in supports]
    seen_share = kb.param("seen_fault_weight")
    for cond in cause.supports:
        fault_id = cond.fact.split(".", 1)[1] if cond.fact.startswith("fault_fraction.") else ""
        if fault_id in facts["faults_seen"] and cond not in supports:
            # Seen (video, mirror, a friend), not measured: the same cause, a lower weight.
            score += cond.weight * seen_share
            reasons.append(f"you saw {kb.faults[fault_id].title} (seen, not measured: "
                           f"{seen_share:g} of the weight of a measured video)")
    return CauseResult(
        id=cause.id,
        title=cause.title,
        score=round(score, 2),
        supports=reasons,
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
    reasons = [_flag_reason(f) for f in flags]
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


def _flag_reason(flag: FiredFlag) -> str:
    text = f"red flag ({flag.level.replace('_', ' ')}): {flag.text}"
    if flag.how == "inferred":
        text += f" - inferred: {flag.because}"
        if flag.overrode is False:
            text += " (you answered no; this overrides it because it follows from your own answers)"
    return text


def _pattern_reason(pattern: Pattern) -> str:
    texts = {
        "doms_like": "DOMS signs and no injury sign: " + "; ".join(pattern.doms_signs),
        "settled_quickly": "no injury sign and " + "; ".join(pattern.doms_signs),
        "injury_like": "injury signs and no DOMS signs: " + "; ".join(pattern.injury_signs),
        "mixed": "mixed picture - DOMS signs (" + "; ".join(pattern.doms_signs)
        + ") but also injury signs (" + "; ".join(pattern.injury_signs) + ")",
        "unclear": "not enough DOMS signs to call it normal soreness, so the cautious verdict",
    }
    return texts[pattern.label]
