"""One model for every tunable number formcheck ships: value, unit, allowed range, source, reason.

The analysis settings (``data/analysis.toml``), the pose settings (``data/pose_settings.toml``),
the training-log thresholds (``log/thresholds.toml``) and the triage parameters
(``triage/data/parameters.yaml``) are all tables of :class:`Setting`. A value is finite and
inside its range when it is loaded and when it is overridden, and an override of a name that
is not in the table is refused with the list of known names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from formcheck.errors import ConfigError

__all__ = ["Setting", "apply_overrides", "parse_number", "setting_table"]


class Setting(BaseModel):
    """One tunable number: its value, unit, allowed range, where it comes from and why.

    Attributes
    ----------
    value : float
        The number in force.
    unit : str
        What the number counts, e.g. ``"s"`` or ``"fraction of leg length"``.
    min, max : float
        The allowed range, inclusive; a value outside it is refused.
    source : str
        Where the default comes from: a paper, a measurement, or ``formcheck default``.
    reason : str
        Why the default is what it is, in a sentence a lifter or coach can check.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float
    unit: str = Field(min_length=1)
    min: float
    max: float
    source: str = Field(min_length=1)
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _finite_and_in_range(self) -> Setting:
        if not (math.isfinite(self.min) and math.isfinite(self.max)) or self.min > self.max:
            raise ValueError(f"expected a finite range min <= max, got {self.min}..{self.max}")
        if not math.isfinite(self.value):
            raise ValueError(
                f"expected a finite number in {self.describe_range()}, got {self.value}"
            )
        if not self.min <= self.value <= self.max:
            raise ValueError(f"expected {self.describe_range()}, got {self.value:g}")
        return self

    def describe_range(self) -> str:
        """Return the allowed range with its unit, e.g. ``0.5..15 Hz``."""
        return f"{self.min:g}..{self.max:g} {self.unit}"

    def with_value(self, value: float, name: str) -> Setting:
        """Return a copy holding ``value``; a value outside the range names ``name``.

        Raises
        ------
        ConfigError
            If ``value`` is not finite or is outside ``min..max``.
        """
        try:
            return Setting.model_validate({**self.model_dump(), "value": value})
        except ValidationError as exc:
            raise ConfigError(f"{name}: {_first_message(exc)}") from exc

    def __float__(self) -> float:
        return self.value


def _first_message(exc: ValidationError) -> str:
    message = str(exc.errors()[0]["msg"])
    return message.removeprefix("Value error, ")


def setting_table(raw: Mapping[str, Any], where: str) -> dict[str, Setting]:
    """Return ``{name: Setting}`` from a mapping of entries; every bad entry is named at once.

    Raises
    ------
    ConfigError
        If an entry misses a field, has an unknown one, or holds a value outside its range.
    """
    table: dict[str, Setting] = {}
    problems = []
    for name, entry in raw.items():
        try:
            table[name] = Setting.model_validate(entry)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"])
                msg = str(err["msg"]).removeprefix("Value error, ")
                problems.append(f"{name}{'.' + field if field else ''}: {msg}")
    if problems:
        raise ConfigError(f"{where}: {len(problems)} problem(s): " + "; ".join(problems))
    return table


def apply_overrides(
    table: Mapping[str, Setting], overrides: Mapping[str, float], flag: str
) -> dict[str, Setting]:
    """Return a copy of ``table`` with ``{name: value}`` applied and checked.

    Parameters
    ----------
    table : mapping of str to Setting
        The settings in force.
    overrides : mapping of str to float
        New values by name.
    flag : str
        What the overrides came from (``--set``, a file name), used in every message.

    Raises
    ------
    ConfigError
        If a name is unknown (the known names are listed) or a value is outside its range.
    """
    unknown = sorted(set(overrides) - set(table))
    if unknown:
        raise ConfigError(f"{flag}: expected one of {sorted(table)}, got unknown {unknown}")
    out = dict(table)
    for name, value in overrides.items():
        out[name] = table[name].with_value(value, f"{flag} {name}")
    return out


def parse_number(text: str, what: str) -> float:
    """Return ``text`` as a finite float, or a :class:`ConfigError` naming ``what``."""
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{what}: expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ConfigError(f"{what}: expected a finite number, got {text!r}")
    return value
