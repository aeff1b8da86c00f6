"""Thresholds of the training-log analytics, loaded from ``thresholds.toml`` into typed models."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from formcheck.errors import ConfigError
from formcheck.settings import Setting

# One tunable number of the log: the project's one settings model (value, unit, range,
# source, reason).
Threshold = Setting


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class E1rmRules(_Section):
    """Estimated one-rep-max limits and uncertainty bands."""

    max_reps: Threshold
    narrow_band_max_reps: Threshold
    band_low_reps: Threshold
    band_high_reps: Threshold


class LoadRules(_Section):
    """Week-over-week and acute:chronic thresholds (descriptive only)."""

    week_over_week_increase: Threshold
    acute_chronic_low: Threshold
    acute_chronic_high: Threshold
    chronic_weeks: Threshold
    min_history_weeks: Threshold


class RecoveryRules(_Section):
    """What counts as a heavy session, and the gap to leave after one."""

    heavy_gap: Threshold
    heavy_rpe: Threshold
    heavy_fraction_of_e1rm: Threshold
    e1rm_lookback: Threshold


class PainRules(_Section):
    """Rule of twos, pain bands and trend settings."""

    rule_of_twos_rise: Threshold
    rule_of_twos_settle: Threshold
    rule_of_twos_next_morning: Threshold
    high_risk: Threshold
    trend_reports: Threshold
    trend_slope: Threshold
    lookback: Threshold
    breaches_for_deload: Threshold


class VideoRules(_Section):
    """When a fault counts as recurring across analysed videos."""

    recurring_min_videos: Threshold
    lookback: Threshold


class AdviceRules(_Section):
    """Sizes of the suggested changes."""

    back_off: Threshold
    deload_volume: Threshold
    triage_lookback: Threshold


class LiftFamily(_Section):
    """Name keywords that put an exercise in a lift family (squat, deadlift ...)."""

    keywords: list[str]
    exclude: list[str] = []


class Regions(_Section):
    """The body regions a pain report may name."""

    names: list[str]


class LogRules(_Section):
    """Every threshold of the training log, one section per concern."""

    e1rm: E1rmRules
    load: LoadRules
    recovery: RecoveryRules
    pain: PainRules
    video: VideoRules
    advice: AdviceRules
    lifts: dict[str, LiftFamily]
    regions: Regions

    def lift_of(self, exercise_name: str) -> str:
        """Return the lift family of an exercise name, or ``"other"``."""
        name = exercise_name.casefold()
        for family, spec in self.lifts.items():
            if any(k in name for k in spec.keywords) and not any(x in name for x in spec.exclude):
                return family
        return "other"


def load_rules(path: Path | None = None) -> LogRules:
    """Return the thresholds from ``path``, or from the packaged ``thresholds.toml``.

    Raises
    ------
    ConfigError
        If the file is not valid TOML or misses / mistypes entries (all are listed).
    """
    if path is None:
        text = resources.files("formcheck.log").joinpath("thresholds.toml").read_text("utf-8")
        where = "packaged thresholds.toml"
    else:
        text = Path(path).read_text("utf-8")
        where = str(path)
    try:
        return LogRules.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: expected valid TOML, received a parse error: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(
            f"{where}: expected every threshold with value/unit/source; {problems}"
        ) from exc


@lru_cache(maxsize=1)
def default_rules() -> LogRules:
    """Return the packaged thresholds, parsed once per process."""
    return load_rules()
