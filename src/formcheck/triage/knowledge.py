"""The triage knowledge base: typed models of the YAML files in ``data/`` and their loader.

Every entry carries a ``source``. Loading validates each file into its model and then checks
the files against each other (a condition's fact and value, a parameter reference, a fix id),
raising :class:`KnowledgeBaseError` naming the file, the entry and the field.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from formcheck.settings import Setting
from formcheck.triage.errors import KnowledgeBaseError
from formcheck.triage.facts import FACT_KINDS, fact_kind
from formcheck.triage.models import Level

DATA_DIR = Path(__file__).with_name("data")

Op = Literal["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "any_in"]
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Parameter(Setting):
    """A configurable number of the triage: the one settings model plus its ``id``."""

    id: str


class Region(_Entry):
    """A body region the lifter can point to."""

    id: str
    label: str
    group: str
    side: Literal["left", "right", "midline"]
    on_bone: Literal["always", "never", "either"] = "never"
    view: Literal["front", "back", "both"] = "back"
    source: str


class Condition(_Entry):
    """A test on one fact; ``value`` may name a parameter as ``$parameter_id``."""

    fact: str
    op: Op
    value: Any = None
    weight: float = 1.0
    reason: str = ""


class Choice(_Entry):
    """One allowed value of a choice finding."""

    value: str
    label: str


class Finding(_Entry):
    """Something the triage asks about after the red flags (and the answers-file field)."""

    id: str
    kind: Literal["choice", "bool", "number", "hours", "regions", "faults"]
    prompt: str
    choices: list[Choice] = Field(default_factory=list)
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    optional: bool = False
    ask_when: list[Condition] = Field(default_factory=list)
    source: str


class RedFlag(_Entry):
    """A warning sign that sets at least its level; asked, derived from findings, or both."""

    id: str
    level: Level
    text: str
    question: str | None = None
    groups: list[str] = Field(default_factory=list)
    derived_when: list[Condition] = Field(default_factory=list)
    inferred_because: str = ""
    points_to: list[str] = Field(default_factory=list)
    source: str


class Rule(_Entry):
    """A verdict rule: when all conditions hold it sets at least its level."""

    id: str
    kind: Literal[
        "doms_sign",
        "normal_sign",
        "injury_sign",
        "rule_of_twos",
        "pain_band",
        "region",
        "training",
    ]
    level: Level
    when: list[Condition] = Field(min_length=1)
    reason: str
    fixes: list[str] = Field(default_factory=list)
    source: str


class Cause(_Entry):
    """A likely cause of soreness, scored from the findings for and against it."""

    id: str
    title: str
    regions: list[str]
    red_flag_cause: bool = False
    prior: float
    supports: list[Condition]
    against: list[Condition]
    fixes: list[str]
    source: str


class Fix(_Entry):
    """A training change with its coaching cue."""

    id: str
    title: str
    action: str
    cue: str
    source: str


class Verdict(_Entry):
    """What a verdict level means and what to do."""

    id: Level
    title: str
    headline: str
    do_now: list[str]
    where_to_go: str | None = None
    recheck: str
    source: str


class FaultInfo(_Entry):
    """A form fault the video analysis can report, and where it can be seen."""

    id: str
    title: str
    lifts: list[str]
    views: list[str]
    source: str


class KnowledgeBase(BaseModel):
    """All triage knowledge, validated and cross-checked."""

    parameters: dict[str, Parameter]
    regions: dict[str, Region]
    findings: dict[str, Finding]
    red_flags: dict[str, RedFlag]
    rules: dict[str, Rule]
    causes: dict[str, Cause]
    fixes: dict[str, Fix]
    verdicts: dict[str, Verdict]
    faults: dict[str, FaultInfo]
    disclaimer: str

    def param(self, name: str) -> float:
        """Return the value of parameter ``name``."""
        return self.parameters[name].value

    def resolve(self, value: Any) -> Any:
        """Return ``value`` with ``$parameter`` references replaced by their numbers."""
        if isinstance(value, str) and value.startswith("$"):
            return self.param(value[1:])
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def choices(self, finding_id: str) -> list[str]:
        """Return the allowed values of a choice finding."""
        return [c.value for c in self.findings[finding_id].choices]

    @property
    def region_groups(self) -> set[str]:
        """Return every region group named by some region."""
        return {r.group for r in self.regions.values()}


_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "parameters": ("parameters.yaml", Parameter),
    "regions": ("regions.yaml", Region),
    "findings": ("findings.yaml", Finding),
    "red_flags": ("redflags.yaml", RedFlag),
    "rules": ("rules.yaml", Rule),
    "causes": ("causes.yaml", Cause),
    "fixes": ("fixes.yaml", Fix),
    "verdicts": ("verdicts.yaml", Verdict),
    "faults": ("faults.yaml", FaultInfo),
}


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{path.name}: expected readable YAML; received {exc}") from exc
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{path.name}: expected a mapping at the top level")
    return data


def _load_entries(path: Path, key: str, model: type[BaseModel]) -> dict[str, Any]:
    data = _read_yaml(path)
    raw = data.get(key)
    if not isinstance(raw, list):
        raise KnowledgeBaseError(f"{path.name}: expected a list under '{key}'")
    problems: list[str] = []
    entries: dict[str, Any] = {}
    for index, item in enumerate(raw):
        name = item.get("id", f"#{index}") if isinstance(item, dict) else f"#{index}"
        try:
            entry = model.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "(entry)"
                problems.append(f"{path.name}, entry '{name}', field '{loc}': {err['msg']}")
            continue
        if name in entries:
            problems.append(f"{path.name}, entry '{name}', field 'id': duplicate id")
        entries[str(name)] = entry
    if problems:
        raise KnowledgeBaseError("; ".join(problems))
    return entries


def load_knowledge(data_dir: Path | str | None = None) -> KnowledgeBase:
    """Return the knowledge base read from ``data_dir`` (the packaged data by default).

    Raises
    ------
    KnowledgeBaseError
        When a file is unreadable, an entry does not fit its model, or files disagree;
        the message names the file, the entry and the field of every problem.
    """
    folder = Path(data_dir) if data_dir is not None else DATA_DIR
    parts: dict[str, Any] = {
        key: _load_entries(folder / name, key, model) for key, (name, model) in _FILES.items()
    }
    disclaimer = _read_yaml(folder / "verdicts.yaml").get("disclaimer")
    if not isinstance(disclaimer, str) or not disclaimer.strip():
        raise KnowledgeBaseError("verdicts.yaml, field 'disclaimer': expected a non-empty text")
    kb = KnowledgeBase(disclaimer=disclaimer, **parts)
    problems = _cross_check(kb)
    if problems:
        raise KnowledgeBaseError("; ".join(problems))
    return kb


@lru_cache(maxsize=1)
def default_knowledge() -> KnowledgeBase:
    """Return the packaged knowledge base, loaded once."""
    return load_knowledge()


def _check_verdicts(kb: KnowledgeBase) -> list[str]:
    problems: list[str] = []
    missing_levels = {
        "emergency",
        "urgent",
        "see_professional",
        "rest_and_modify",
        "keep_training",
    } - set(kb.verdicts)
    if missing_levels:
        problems.append(f"verdicts.yaml: expected every level; missing {sorted(missing_levels)}")
    for verdict in kb.verdicts.values():
        if verdict.id in ("emergency", "urgent") and not verdict.where_to_go:
            problems.append(f"verdicts.yaml, entry '{verdict.id}', field 'where_to_go': required")
        for text in [*verdict.do_now, verdict.recheck]:
            problems += _check_text(kb, text, f"verdicts.yaml, entry '{verdict.id}'")
    return problems


def _cross_check(kb: KnowledgeBase) -> list[str]:
    problems = _check_verdicts(kb)
    for flag in kb.red_flags.values():
        problems += _check_flag(kb, flag)
    for rule in kb.rules.values():
        where = f"rules.yaml, entry '{rule.id}'"
        problems += _check_conditions(kb, rule.when, f"{where}, field 'when'")
        problems += _check_fixes(kb, rule.fixes, f"{where}, field 'fixes'")
        problems += _check_text(kb, rule.reason, where)
    for cause in kb.causes.values():
        where = f"causes.yaml, entry '{cause.id}'"
        known = set(kb.regions) | kb.region_groups
        bad = [r for r in cause.regions if r not in known]
        if not cause.regions and not cause.red_flag_cause:
            problems.append(f"{where}, field 'regions': needed unless red_flag_cause is true")
        if bad:
            problems.append(f"{where}, field 'regions': unknown region or group {bad}")
        for side in ("supports", "against"):
            problems += _check_conditions(kb, getattr(cause, side), f"{where}, field '{side}'")
        problems += _check_fixes(kb, cause.fixes, f"{where}, field 'fixes'")
    for fix in kb.fixes.values():
        problems += _check_text(kb, fix.action, f"fixes.yaml, entry '{fix.id}'")
    for finding in kb.findings.values():
        where = f"findings.yaml, entry '{finding.id}'"
        if finding.kind == "choice" and not finding.choices:
            problems.append(f"{where}, field 'choices': a choice finding needs choices")
        problems += _check_conditions(kb, finding.ask_when, f"{where}, field 'ask_when'")
    return problems


def _check_flag(kb: KnowledgeBase, flag: RedFlag) -> list[str]:
    where = f"redflags.yaml, entry '{flag.id}'"
    problems: list[str] = []
    if flag.question is None and not flag.derived_when:
        problems.append(f"{where}, field 'question': needed when there is no derived_when")
    problems += _check_groups(kb, flag.groups, f"{where}, field 'groups'")
    problems += _check_conditions(kb, flag.derived_when, f"{where}, field 'derived_when'")
    if flag.derived_when and not flag.inferred_because:
        problems.append(f"{where}, field 'inferred_because': needed with derived_when")
    problems += _check_text(kb, flag.inferred_because, where)
    bad_causes = [c for c in flag.points_to if c not in kb.causes]
    if bad_causes:
        problems.append(f"{where}, field 'points_to': unknown cause id {bad_causes}")
    return problems


def _check_groups(kb: KnowledgeBase, groups: list[str], where: str) -> list[str]:
    bad = [g for g in groups if g not in kb.region_groups]
    return [f"{where}: unknown region group {bad}"] if bad else []


def _check_fixes(kb: KnowledgeBase, fixes: list[str], where: str) -> list[str]:
    bad = [f for f in fixes if f not in kb.fixes]
    return [f"{where}: unknown fix id {bad}"] if bad else []


def _check_text(kb: KnowledgeBase, text: str, where: str) -> list[str]:
    names = _PLACEHOLDER.findall(text)
    bad = [n for n in names if n not in kb.parameters and fact_kind(n) is None]
    return [f"{where}: text names unknown parameter or fact {bad}"] if bad else []


def _check_conditions(kb: KnowledgeBase, conds: list[Condition], where: str) -> list[str]:
    problems: list[str] = []
    for i, cond in enumerate(conds):
        at = f"{where}[{i}]"
        kind = fact_kind(cond.fact)
        if kind is None:
            problems.append(f"{at}.fact: unknown fact '{cond.fact}'; known: {sorted(FACT_KINDS)}")
            continue
        problems += _check_fact_target(kb, cond.fact, at)
        problems += _check_values(kb, cond, kind, at)
        if cond.reason:
            problems += _check_text(kb, cond.reason, at)
    return problems


def _check_fact_target(kb: KnowledgeBase, fact: str, at: str) -> list[str]:
    """Return problems with the fault or red flag a fact names."""
    if fact.startswith(("fault_fraction.", "fault_reps.")):
        fault_id = fact.split(".", 1)[1]
        if fault_id not in kb.faults:
            return [f"{at}.fact: unknown fault '{fault_id}'; known {sorted(kb.faults)}"]
    if fact.startswith("red_flag.") and fact.split(".", 1)[1] not in kb.red_flags:
        return [f"{at}.fact: unknown red flag '{fact}'"]
    return []


def _check_values(kb: KnowledgeBase, cond: Condition, kind: str, at: str) -> list[str]:
    """Return problems with a condition's values: unknown parameters, values not a choice."""
    problems = []
    values = cond.value if isinstance(cond.value, list) else [cond.value]
    for v in values:
        if isinstance(v, str) and v.startswith("$") and v[1:] not in kb.parameters:
            problems.append(f"{at}.value: unknown parameter '{v[1:]}'")
    if kind.startswith("choice:") and cond.op in ("eq", "ne", "in", "not_in"):
        allowed = kb.choices(kind.split(":", 1)[1])
        bad = [v for v in values if v not in allowed]
        if bad:
            problems.append(f"{at}.value: {bad} not among the choices {allowed}")
    return problems
