"""Typed settings and fault rules, loaded from the TOML data files shipped with formcheck.

Every setting carries its unit and the reason for its default; every fault rule carries its
threshold, unit, source and the cue that fixes it. A lifter overrides a value with
``--set key=value`` on the command line or a TOML file of the same shape (``--config``).
"""

from __future__ import annotations

import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from formcheck.errors import ConfigError
from formcheck.settings import Setting, apply_overrides, parse_number, setting_table

Comparison = Literal[">", "<", "outside"]
DEFAULT_STYLE = {"squat": "high_bar", "deadlift": "conventional"}  # when --style is not given


class FaultRule(BaseModel):
    """A fault: which metric, how it is judged against which threshold, and what it means.

    ``comparison = "outside"`` is a band: the fault holds below ``threshold`` (the lower
    bound) or above ``upper``; override the upper bound with ``FAULT.upper=VALUE``.
    ``judge_by = "size"`` compares the metric's absolute value and names its direction with
    ``sign_words`` (said when negative, when positive). ``frames`` says which frames of the
    rep show the fault: ``crossing`` where ``series`` crosses the threshold, ``worst`` the
    whole rep with the series' worst frame (a metric judged against a baseline), ``rep`` the
    whole rep. ``highlight`` lists the landmark pairs the annotated video lights up
    (``"hip"`` is the measured side's hip, ``"left_hip"`` a named one).
    """

    model_config = ConfigDict(extra="forbid")
    title: str
    lift: Literal["squat", "deadlift"]
    metric: str
    comparison: Comparison
    threshold: float
    upper: float | None = None
    unit: str
    severity: Literal["fault", "info", "experimental"]
    views: list[Literal["side", "front", "back", "oblique"]]
    source: str
    reason: str
    soreness: list[str]
    cue: str
    priority: int = Field(ge=1, le=99)
    series: str | None = None
    evidence_note: str = ""  # said with every finding of this fault (e.g. what it cannot tell)
    only_styles: list[str] = []  # judged only under these styles (empty = every style)
    min_reps_fraction: float = 0.0
    judge_by: Literal["value", "size"] = "value"
    sign_words: list[str] = Field(default_factory=list, max_length=2)
    frames: Literal["crossing", "worst", "rep"] = "rep"
    highlight: list[tuple[str, str]] = []
    judged: bool = True  # False: measured and shown, never flagged (not validated)
    not_judged_reason: str = ""  # why a rule with judged = false is not judged

    @model_validator(mode="after")
    def _band_has_bounds(self) -> FaultRule:
        if self.comparison == "outside" and (self.upper is None or self.upper <= self.threshold):
            raise ValueError(
                f"comparison 'outside' expects upper > threshold, got threshold="
                f"{self.threshold} upper={self.upper}"
            )
        if self.comparison != "outside" and self.upper is not None:
            raise ValueError(f"upper is only for comparison 'outside', got {self.comparison!r}")
        if self.frames != "rep" and (self.series is None or self.comparison == "outside"):
            raise ValueError(
                f"frames {self.frames!r} expects a series and a one-sided comparison, got "
                f"series={self.series!r} comparison={self.comparison!r}"
            )
        return self

    @model_validator(mode="after")
    def _finite_and_worded(self) -> FaultRule:
        bounds = [self.threshold] + ([] if self.upper is None else [self.upper])
        if not all(math.isfinite(b) for b in bounds):
            raise ValueError(f"expected finite thresholds, got {bounds}")
        if not self.judged and not self.not_judged_reason:
            raise ValueError("judged = false expects a not_judged_reason saying why, got none")
        if self.sign_words and len(self.sign_words) != 2:
            raise ValueError(
                f"sign_words expects [when negative, when positive], got {self.sign_words}"
            )
        return self

    def describe(self) -> str:
        """Return the comparison as text, e.g. ``> 45`` or ``outside 0.6-1.8``."""
        if self.comparison == "outside":
            return f"outside {self.threshold:g}-{self.upper:g}"
        return f"{self.comparison} {self.threshold:g}"


class StylePreset(BaseModel):
    """Threshold overrides for one lifting style."""

    model_config = ConfigDict(extra="forbid")
    description: str
    lift: Literal["squat", "deadlift"]
    thresholds: dict[str, float] = {}


class Column(BaseModel):
    """One column of the per-rep table in the terminal: a metric, its header and format."""

    model_config = ConfigDict(extra="forbid")
    metric: str
    header: str
    format: str = "{:.2f}"


class TableLayout(BaseModel):
    """How ``formcheck analyze`` lays out its per-rep table."""

    model_config = ConfigDict(extra="forbid")
    columns: list[Column] = []
    tempo: dict[str, list[str]] = {}  # style or lift -> the phase durations shown as a/b/c
    legend: str = ""


class RuleBook(BaseModel):
    """The loaded rules file: fault rules, style presets and the terminal table layout."""

    model_config = ConfigDict(extra="forbid")
    version: int
    faults: dict[str, FaultRule]
    styles: dict[str, StylePreset]
    table: TableLayout = TableLayout()

    def columns(self) -> list[Column]:
        """Return the table columns: the listed ones, then any fault metric not listed."""
        listed = list(self.table.columns)
        shown = {c.metric for c in listed}
        for rule in self.faults.values():
            if rule.metric not in shown:
                listed.append(Column(metric=rule.metric, header=rule.metric))
                shown.add(rule.metric)
        return listed

    def for_style(self, style: str, overrides: dict[str, float] | None = None) -> RuleBook:
        """Return a copy whose thresholds apply ``style`` and then ``overrides`` (by fault id)."""
        if style not in self.styles:
            raise ConfigError(f"--style: expected one of {sorted(self.styles)}, got {style!r}")
        faults = {k: v.model_copy() for k, v in self.faults.items()}
        changes = {**self.styles[style].thresholds, **(overrides or {})}
        bands = {f"{k}.upper" for k, v in faults.items() if v.comparison == "outside"}
        unknown = sorted(set(changes) - set(faults) - bands)
        if unknown:
            raise ConfigError(
                f"threshold override: expected fault ids from {sorted(faults)} "
                f"(or {sorted(bands)} for a band's upper bound), got {unknown}"
            )
        not_finite = sorted(k for k, v in changes.items() if not math.isfinite(float(v)))
        if not_finite:
            raise ConfigError(f"--threshold: expected finite numbers, got {not_finite}")
        for key, value in changes.items():
            fid, _, part = key.partition(".")
            field = "upper" if part else "threshold"
            faults[fid] = faults[fid].model_copy(update={field: float(value)})
        problems = [
            f"{fid}: lower bound {r.threshold:g} is not below upper bound {r.upper:g}"
            for fid, r in faults.items()
            if r.comparison == "outside" and r.upper is not None and r.upper <= r.threshold
        ]
        if problems:
            raise ConfigError(
                "threshold override: expected lower < upper, got " + "; ".join(problems)
            )
        # A style-specific check (front-squat elbows) does not apply under other styles.
        faults = {k: v for k, v in faults.items() if not v.only_styles or style in v.only_styles}
        return self.model_copy(update={"faults": faults})


def _read_toml(path: Path | None, package_file: str) -> tuple[str, dict[str, Any]]:
    try:
        if path is None:
            text = resources.files("formcheck.data").joinpath(package_file).read_text("utf-8")
            name = f"formcheck/data/{package_file}"
        else:
            text = Path(path).read_text("utf-8")
            name = str(path)
        return name, tomllib.loads(text)
    except FileNotFoundError as exc:
        raise ConfigError(f"expected a readable TOML file, got a missing path: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: expected valid TOML, got a syntax error: {exc}") from exc


def _validation_message(name: str, exc: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']} (got {e.get('input')!r})"
        for e in exc.errors()
    ]
    return f"{name}: {len(problems)} problem(s): " + "; ".join(problems)


def load_rules(path: Path | None = None) -> RuleBook:
    """Return the fault rule book from ``path``, or the shipped ``rules.toml``."""
    name, raw = _read_toml(path, "rules.toml")
    try:
        return RuleBook.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_validation_message(name, exc)) from exc


class Settings(BaseModel):
    """Analysis settings: ``sections[section][key]`` is a :class:`~formcheck.settings.Setting`."""

    model_config = ConfigDict(frozen=True)
    sections: dict[str, dict[str, Setting]]

    def get(self, dotted: str) -> float:
        """Return the value of ``section.key``."""
        section, _, key = dotted.partition(".")
        try:
            return self.sections[section][key].value
        except KeyError as exc:
            raise ConfigError(f"expected a known setting, got {dotted!r}") from exc

    @classmethod
    def from_table(cls, table: dict[str, Setting]) -> Settings:
        """Return the settings of a ``{"section.key": Setting}`` table."""
        sections: dict[str, dict[str, Setting]] = {}
        for dotted, setting in table.items():
            section, _, key = dotted.partition(".")
            sections.setdefault(section, {})[key] = setting
        return cls(sections=sections)

    def table(self) -> dict[str, Setting]:
        """Return ``{"section.key": Setting}`` for every setting."""
        return {f"{s}.{k}": v for s, keys in self.sections.items() for k, v in keys.items()}

    def with_overrides(self, overrides: dict[str, float], flag: str = "--set") -> Settings:
        """Return a copy with ``section.key`` values replaced and range-checked.

        Raises
        ------
        ConfigError
            Naming ``flag`` for an unknown key (with the known ones) or a value out of range.
        """
        table = apply_overrides(self.table(), overrides, flag)
        return Settings.from_table(table)

    def flat(self) -> dict[str, float]:
        """Return ``{"section.key": value}`` for every setting."""
        return {name: s.value for name, s in self.table().items()}


def load_settings(path: Path | None = None) -> Settings:
    """Return the shipped analysis settings, with the entries of the TOML file ``path`` applied.

    ``path`` may hold a subset of ``analysis.toml``: a full entry (``[signals.lowpass_hz]``
    with ``value = 5`` and maybe other fields) or a bare number (``lowpass_hz = 5`` under
    ``[signals]``). A key that is not in ``analysis.toml`` is an error naming the known keys.
    """
    name, raw = _read_toml(None, "analysis.toml")
    flat = {
        f"{section}.{key}": entry
        for section, entries in raw.items()
        for key, entry in (entries.items() if isinstance(entries, dict) else [(None, entries)])
    }
    if path is not None:
        user_name, user_raw = _read_toml(path, "analysis.toml")
        flat = _merge_user_settings(flat, user_raw, user_name)
    table = setting_table(flat, name if path is None else f"{name} with {path}")
    return Settings.from_table(table)


def _merge_user_settings(
    shipped: dict[str, Any], user: dict[str, Any], where: str
) -> dict[str, Any]:
    """Return the shipped entries with a user file's values or partial entries merged in."""
    out = dict(shipped)
    unknown = []
    for section, entries in user.items():
        if not isinstance(entries, dict):
            unknown.append(section)
            continue
        for key, entry in entries.items():
            dotted = f"{section}.{key}"
            if dotted not in shipped:
                unknown.append(dotted)
            elif isinstance(entry, dict):
                out[dotted] = {**shipped[dotted], **entry}
            else:
                out[dotted] = {**shipped[dotted], "value": entry}
    if unknown:
        raise ConfigError(f"{where}: expected keys of {sorted(shipped)}, got unknown {unknown}")
    return out


def parse_overrides(pairs: tuple[str, ...] | list[str], flag: str = "--set") -> dict[str, float]:
    """Return ``{key: float}`` from ``key=value`` strings; every bad pair is named at once.

    Raises
    ------
    ConfigError
        Naming ``flag`` for a pair that is not ``KEY=NUMBER`` or whose number is not finite.
    """
    out: dict[str, float] = {}
    bad = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            bad.append(f"{pair!r} (expected KEY=NUMBER)")
            continue
        try:
            out[key.strip()] = parse_number(value.strip(), f"{flag} {key.strip()}")
        except ConfigError as exc:
            bad.append(str(exc).removeprefix(f"{flag} "))
    if bad:
        raise ConfigError(f"{flag}: " + "; ".join(bad))
    return out
