"""Typed settings and fault rules, loaded from the TOML data files shipped with formcheck.

Every setting carries its unit and the reason for its default; every fault rule carries its
threshold, unit, source and the cue that fixes it. A lifter overrides a value with
``--set key=value`` on the command line or a TOML file of the same shape (``--config``).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from formcheck.errors import ConfigError

Comparison = Literal[">", "<", "outside"]
STYLES = ("high_bar", "low_bar", "front", "conventional")


class Setting(BaseModel):
    """One tunable number with its unit and the reason for its default."""

    model_config = ConfigDict(extra="forbid")
    value: float
    unit: str
    reason: str
    source: str = ""


class FaultRule(BaseModel):
    """A fault: which metric, which comparison against which threshold, and what it means.

    ``comparison = "outside"`` is a band: the fault holds below ``threshold`` (the lower
    bound) or above ``upper``; override the upper bound with ``FAULT.upper=VALUE``.
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

    @model_validator(mode="after")
    def _band_has_bounds(self) -> FaultRule:
        if self.comparison == "outside" and (self.upper is None or self.upper <= self.threshold):
            raise ValueError(
                f"comparison 'outside' expects upper > threshold, got threshold="
                f"{self.threshold} upper={self.upper}"
            )
        if self.comparison != "outside" and self.upper is not None:
            raise ValueError(f"upper is only for comparison 'outside', got {self.comparison!r}")
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


class RuleBook(BaseModel):
    """The loaded rules file: fault rules and style presets."""

    model_config = ConfigDict(extra="forbid")
    version: int
    faults: dict[str, FaultRule]
    styles: dict[str, StylePreset]

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
    """Analysis settings: ``sections[section][key]`` is a :class:`Setting`."""

    sections: dict[str, dict[str, Setting]]

    def get(self, dotted: str) -> float:
        """Return the value of ``section.key``."""
        section, _, key = dotted.partition(".")
        try:
            return self.sections[section][key].value
        except KeyError as exc:
            raise ConfigError(f"expected a known setting, got {dotted!r}") from exc

    def with_overrides(self, overrides: dict[str, float]) -> Settings:
        """Return a copy with ``section.key`` values replaced (unknown keys are an error)."""
        sections = {s: dict(v) for s, v in self.sections.items()}
        unknown = []
        for dotted, value in overrides.items():
            section, _, key = dotted.partition(".")
            if key not in sections.get(section, {}):
                unknown.append(dotted)
                continue
            sections[section][key] = sections[section][key].model_copy(update={"value": value})
        if unknown:
            known = sorted(f"{s}.{k}" for s, keys in self.sections.items() for k in keys)
            raise ConfigError(f"--set: expected one of {known}, got unknown {unknown}")
        return Settings(sections=sections)

    def flat(self) -> dict[str, float]:
        """Return ``{"section.key": value}`` for every setting."""
        return {f"{s}.{k}": v.value for s, keys in self.sections.items() for k, v in keys.items()}


def load_settings(path: Path | None = None) -> Settings:
    """Return the analysis settings from ``path``, or the shipped ``analysis.toml``."""
    name, raw = _read_toml(path, "analysis.toml")
    try:
        return Settings(sections=raw)
    except ValidationError as exc:
        raise ConfigError(_validation_message(name, exc)) from exc


def parse_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, float]:
    """Return ``{key: float}`` from ``key=value`` strings; every bad pair is named at once."""
    out: dict[str, float] = {}
    bad = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        try:
            if not sep or not key:
                raise ValueError
            out[key.strip()] = float(value)
        except ValueError:
            bad.append(pair)
    if bad:
        raise ConfigError(f"--set: expected KEY=NUMBER, got {bad}")
    return out
