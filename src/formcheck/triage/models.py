"""Typed input and output of the triage: the lifter's answers, training signals, the result.

Choice fields (``quality``, ``onset``, ...) are plain strings here; their allowed values live
in the knowledge base (``data/findings.yaml``) and are checked against it at the boundary, so
the data file stays the one place that says what may be answered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RESULT_SCHEMA = "formcheck.triage/2"
ANSWERS_SCHEMA = "formcheck.triage-answers/2"
#: Answers schemas that still load; a /1 file is upgraded on reading (validation.py).
ANSWERS_SCHEMAS_READ = ("formcheck.triage-answers/1", ANSWERS_SCHEMA)

Level = Literal["emergency", "urgent", "see_professional", "rest_and_modify", "keep_training"]

#: Verdict levels from most to least urgent (DOMAIN.md section 4: most urgent wins).
LEVELS: tuple[Level, ...] = (
    "emergency",
    "urgent",
    "see_professional",
    "rest_and_modify",
    "keep_training",
)


def level_rank(level: str) -> int:
    """Return the urgency rank of a verdict level: 4 = emergency ... 0 = keep_training."""
    order: list[str] = list(LEVELS)
    return len(order) - 1 - order.index(level)


class Severity(BaseModel):
    """Pain on a 0-10 scale at four moments; leave a moment out when it is not known."""

    model_config = ConfigDict(extra="forbid")

    before: float | None = Field(default=None, ge=0, le=10, description="0-10 before the session")
    during: float | None = Field(
        default=None, ge=0, le=10, description="0-10 worst during the lift"
    )
    after: float | None = Field(
        default=None, ge=0, le=10, description="0-10 right after the session"
    )
    now: float | None = Field(default=None, ge=0, le=10, description="0-10 now")
    next_morning: float | None = Field(
        default=None, ge=0, le=10, description="0-10 the morning after the session"
    )


class TrainingContext(BaseModel):
    """Signals from the training log (or typed in by the lifter) that the triage can use.

    The training log fills this from its records; an answers file may also give it under
    ``training``. Every field is optional: a missing signal is simply not used.
    """

    model_config = ConfigDict(extra="forbid")

    week_over_week_increase_pct: float | None = Field(
        default=None,
        ge=-100,
        le=1000,
        description="change in weekly load vs the week before, percent",
    )
    hours_since_last_heavy_session: float | None = Field(
        default=None,
        ge=0,
        le=24 * 365,
        description="hours between this session and the heavy one before",
    )
    pain_trend: Literal["better", "same", "worse"] | None = Field(
        default=None, description="how pain has moved across recent sessions"
    )
    source: str = Field("answers", description="where these signals came from, e.g. 'log'")


class Answers(BaseModel):
    """The lifter's answers; see ``formcheck triage --schema`` and docs/triage.md."""

    model_config = ConfigDict(extra="forbid")

    schema_: str = Field(ANSWERS_SCHEMA, alias="schema", description="answers schema id")
    red_flags: dict[str, bool] = Field(
        default_factory=dict, description="red-flag id -> yes/no; unanswered ones count as no"
    )
    regions: list[str] = Field(
        default_factory=list,
        description="where it is sore (region ids); at least one unless an urgent flag is yes",
    )
    quality: str | None = Field(default=None, description="dull | sharp | unsure")
    onset: str | None = Field(default=None, description="when it started, relative to the lift")
    hours_since_onset: float | None = Field(default=None, description="hours since it started")
    onset_at: datetime | None = Field(default=None, description="when it started (ISO date-time)")
    answered_at: datetime | None = Field(
        default=None, description="reference time for onset_at; defaults to now"
    )
    hours_since_session: float | None = Field(
        default=None, ge=0, description="hours since the session it came from (not the onset)"
    )
    side: str | None = Field(
        default=None, description="one_side | both_sides | middle | dont_know"
    )
    severity: Severity = Field(default_factory=Severity)
    settled_after_hours: float | None = Field(
        default=None,
        ge=0,
        description="hours after the session until pain was back to its before level",
    )
    not_settled: bool | None = Field(
        default=None, description="pain has not settled since the session"
    )
    skin_marks: bool | None = Field(default=None, description="marks or bruising where the bar sat")
    swelling: bool | None = Field(default=None, description="swelling or bruising of the muscle")
    one_tender_spot: bool | None = Field(default=None, description="one small spot that is tender")
    over_bone: bool | None = Field(default=None, description="the pain is on bone or a joint")
    eases_with_movement: bool | None = Field(default=None, description="it eases once moving")
    recurring: bool | None = Field(default=None, description="the same pain has come back before")
    daily_activities: str | None = Field(default=None, description="none | harder | stops")
    trend: str | None = Field(default=None, description="since it started: better | same | worse")
    new_lift: bool | None = Field(default=None, description="the lift is new to the lifter")
    load_jump: bool | None = Field(default=None, description="the load jumped recently")
    lift: str | None = Field(
        default=None,
        description="back_squat | front_squat | deadlift | rdl | bodyweight_squat | other",
    )
    bar_weight_before_kg: float | None = Field(
        default=None, gt=0, le=600, description="top-set bar weight about a week before, kg"
    )
    bar_weight_after_kg: float | None = Field(
        default=None, gt=0, le=600, description="top-set bar weight in this session, kg"
    )
    faults_seen: list[str] = Field(
        default_factory=list,
        description="fault ids seen on video or in the mirror (not measured); see --schema",
    )
    bar_position: str | None = Field(
        default=None, description="high_bar | low_bar | front_rack | unsure"
    )
    neck_position: str | None = Field(default=None, description="neutral | looked_up | tucked_down")
    elbow_issues: bool | None = Field(
        default=None, description="elbows drift up/back, or elbow pain"
    )
    tense_whole_set: bool | None = Field(default=None, description="tense all through the set")
    age: int | None = Field(default=None, ge=10, le=110, description="age in years")
    training: TrainingContext | None = Field(default=None, description="training-log signals")


class FiredFlag(BaseModel):
    """A red flag that is present, with the level it sets."""

    id: str
    level: Level
    text: str
    how: Literal["answered", "inferred"]
    because: str | None = Field(default=None, description="why an inferred flag was inferred")
    overrode: bool | None = Field(
        default=None, description="the lifter's answer this inferred flag overrode (False = no)"
    )


class RuleHit(BaseModel):
    """A verdict rule (DOMS/injury sign, rule of twos, pain band, ...) that holds."""

    id: str
    kind: str
    level: Level
    reason: str


class CauseResult(BaseModel):
    """One likely cause, with the findings for and against it."""

    id: str
    title: str
    score: float
    supports: list[str]
    against: list[str]
    fixes: list[str]


class Change(BaseModel):
    """One change to make in training, and why."""

    id: str
    title: str
    action: str
    cue: str
    why: str


class Pattern(BaseModel):
    """Does this look like DOMS or like an injury? The signs found for each."""

    label: Literal["doms_like", "settled_quickly", "injury_like", "mixed", "unclear"]
    doms_signs: list[str]
    injury_signs: list[str]


class TriageResult(BaseModel):
    """The outcome of a triage: verdict, reasons, causes, and what to do."""

    schema_: str = Field(RESULT_SCHEMA, alias="schema")
    verdict: Level
    verdict_title: str
    headline: str
    reasons: list[str]
    red_flags: list[FiredFlag]
    red_flags_not_answered: list[str]
    rules: list[RuleHit]
    pattern: Pattern
    causes: list[CauseResult]
    do_now: list[str]
    where_to_go: str | None
    changes: list[Change]
    recheck: str
    evidence: list[str]
    disclaimer: str

    model_config = ConfigDict(populate_by_name=True)

    @property
    def top_cause(self) -> str | None:
        """Return the id of the highest-ranked cause, or None when no cause applies."""
        return self.causes[0].id if self.causes else None

    def to_dict(self) -> dict[str, object]:
        """Return the JSON-ready dictionary of the ``formcheck.triage/2`` schema."""
        return self.model_dump(mode="json", by_alias=True)
