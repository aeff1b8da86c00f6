"""The question-and-answer session behind ``formcheck triage``.

Red flags come first (the general ones, then where it hurts, then the flags for those
regions); an emergency "yes" ends the questions at once, and once every flag is asked an
urgent "yes" ends them too - nothing asked later could change what to do. Then only the
findings whose ``ask_when`` holds are asked. Typing ``back`` undoes the last answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from formcheck.triage.errors import TriageInputError
from formcheck.triage.facts import all_hold, compute_facts
from formcheck.triage.knowledge import Finding, KnowledgeBase, RedFlag
from formcheck.triage.models import level_rank

BACK_WORDS = {"back", "b", "<"}
QUIT_WORDS = {"quit", "exit", "q"}
YES = {"y", "yes"}
NO = {"n", "no"}
_HOURS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hdw]?)\s*$")
_UNIT_HOURS = {"": 1.0, "h": 1.0, "d": 24.0, "w": 168.0}


class QuitSession(Exception):
    """The lifter typed ``quit`` (or closed the input)."""


class InvalidAnswer(ValueError):
    """An answer that cannot be parsed; the message says what is expected."""


@dataclass
class Step:
    """One question: a red flag or a finding."""

    id: str
    prompt: str
    flag: RedFlag | None = None
    finding: Finding | None = None


@dataclass
class Session:
    """The state of one session: answers so far, in the order given."""

    kb: KnowledgeBase
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)

    def steps(self) -> list[Step]:
        """Return every question in asking order (applicability is checked separately)."""
        flags = list(self.kb.red_flags.values())
        general = [_flag_step(f) for f in flags if f.question and not f.groups]
        specific = [_flag_step(f) for f in flags if f.question and f.groups]
        findings = [Step(id=f.id, prompt=f.prompt, finding=f) for f in self.kb.findings.values()]
        regions = [s for s in findings if s.id == "regions"]
        rest = [s for s in findings if s.id != "regions"]
        return [*general, *regions, *specific, *rest]

    def raw_answers(self) -> dict[str, Any]:
        """Return the answers so far in the answers-file shape."""
        raw: dict[str, Any] = {"red_flags": {}, "severity": {}}
        for key, value in self.answers.items():
            if key.startswith("red_flag:"):
                raw["red_flags"][key.split(":", 1)[1]] = value
            elif key.startswith("severity."):
                if value is not None:
                    raw["severity"][key.split(".", 1)[1]] = value
            elif key == "settled_after_hours" and value == "not_settled":
                raw["not_settled"] = True
            elif value is not None:
                raw[key] = value
        return raw

    def next_step(self) -> Step | None:
        """Return the next question to ask, or None when enough is known."""
        if self._highest_flag() >= level_rank("emergency"):
            return None
        steps = self.steps()
        # The region decides which region-specific flags apply (a neck flag can be an
        # emergency), so an urgent "yes" stops the questions only once that is known too.
        flags_done = "regions" in self.answers and all(
            s.id in self.answers for s in steps if s.flag and self._applies(s)
        )
        if flags_done and self._highest_flag() >= level_rank("urgent"):
            return None
        for step in steps:
            if step.id not in self.answers and self._applies(step):
                return step
        return None

    def record(self, step: Step, value: Any) -> None:
        """Store the answer to ``step``."""
        self.answers[step.id] = value
        self.history.append(step.id)

    def undo(self) -> str | None:
        """Forget the last answer; return the id of the question it answered."""
        if not self.history:
            return None
        last = self.history.pop()
        self.answers.pop(last, None)
        return last

    def forget(self, fields: list[str]) -> int:
        """Forget the answers behind the named fields, so they are asked again; return how many."""
        ids = {f.split("[", 1)[0] for f in fields}
        ids |= {"settled_after_hours" for f in fields if f == "not_settled"}
        if "onset_at" in ids:
            ids.add("hours_since_onset")
        forgotten = [s for s in self.history if s in ids]
        for step_id in forgotten:
            self.history.remove(step_id)
            self.answers.pop(step_id, None)
        return len(forgotten)

    def _applies(self, step: Step) -> bool:
        if step.flag is not None:
            if not step.flag.groups:
                return True
            if "regions" not in self.answers:
                return False
            facts = compute_facts(self.raw_answers(), self.kb)
            return bool(set(step.flag.groups) & facts["region_groups"])
        assert step.finding is not None
        if not step.finding.ask_when:
            return True
        return all_hold(step.finding.ask_when, compute_facts(self.raw_answers(), self.kb), self.kb)

    def _highest_flag(self) -> int:
        ranks = [
            level_rank(self.kb.red_flags[key.split(":", 1)[1]].level)
            for key, value in self.answers.items()
            if key.startswith("red_flag:") and value is True
        ]
        return max(ranks, default=-1)


def _flag_step(flag: RedFlag) -> Step:
    return Step(id=f"red_flag:{flag.id}", prompt=str(flag.question), flag=flag)


def parse_answer(step: Step, text: str, kb: KnowledgeBase) -> Any:
    """Return the parsed answer to ``step`` from what was typed.

    Raises
    ------
    InvalidAnswer
        Saying what was expected and what was received.
    """
    text = text.strip()
    if step.flag is not None:
        return _parse_yes_no(text)
    finding = step.finding
    assert finding is not None
    if finding.optional and text == "":
        return None
    parsers: dict[str, Callable[[Finding, str, KnowledgeBase], Any]] = {
        "bool": lambda _f, t, _k: _parse_yes_no(t),
        "choice": _parse_choice,
        "regions": _parse_regions,
        "number": _parse_number,
        "hours": _parse_hours,
        "faults": _parse_faults,
    }
    return parsers[finding.kind](finding, text, kb)


def _parse_yes_no(text: str) -> bool:
    word = text.lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise InvalidAnswer(f"expected y or n; received {text!r}")


def _parse_choice(finding: Finding, text: str, kb: KnowledgeBase) -> str:
    values = [c.value for c in finding.choices]
    if text.isdigit() and 1 <= int(text) <= len(values):
        return values[int(text) - 1]
    if text in values:
        return text
    raise InvalidAnswer(f"expected a number from 1 to {len(values)}; received {text!r}")


def _parse_regions(finding: Finding, text: str, kb: KnowledgeBase) -> list[str]:
    chosen = _parse_ids(text, list(kb.regions), "region")
    if not chosen:
        raise InvalidAnswer("expected at least one region number")
    return chosen


def _parse_faults(finding: Finding, text: str, kb: KnowledgeBase) -> list[str]:
    return _parse_ids(text, list(kb.faults), "fault")


def _parse_ids(text: str, ids: list[str], what: str) -> list[str]:
    # Comma-separated numbers (1-based, as listed) or ids; each kept once, in order.
    chosen: list[str] = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        if part.isdigit() and 1 <= int(part) <= len(ids):
            item = ids[int(part) - 1]
        elif part in ids:
            item = part
        else:
            raise InvalidAnswer(f"expected {what} numbers 1-{len(ids)}; received {part!r}")
        if item not in chosen:
            chosen.append(item)
    return chosen


def _parse_number(finding: Finding, text: str, kb: KnowledgeBase) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidAnswer(f"expected a number; received {text!r}") from None
    low, high = finding.min, finding.max
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidAnswer(f"expected a number from {low:g} to {high:g}; received {value:g}")
    return int(value) if finding.id == "age" else value


def _parse_hours(finding: Finding, text: str, kb: KnowledgeBase) -> float | str:
    if finding.id == "settled_after_hours" and text.lower() in NO | {"not yet"}:
        return "not_settled"
    if text.startswith("-"):
        raise InvalidAnswer(f"expected a time in the past (0 or more); received {text!r}")
    match = _HOURS.match(text.lower())
    if not match:
        raise InvalidAnswer(f"expected hours, e.g. 36, 2d or 1w; received {text!r}")
    return float(match.group(1)) * _UNIT_HOURS[match.group(2)]


def describe_choices(step: Step, kb: KnowledgeBase) -> list[str]:
    """Return the numbered options to show under a question (empty for free answers)."""
    if step.flag is not None or step.finding is None:
        return []
    if step.finding.kind == "regions":
        # The body map's views: most regions are on the back; mark those seen from the front.
        return [f"{i}. {r.label} (front)" if r.view == "front" else f"{i}. {r.label}"
                for i, r in enumerate(kb.regions.values(), 1)]
    if step.finding.kind == "faults":
        return [f"{i}. {f.title}" for i, f in enumerate(kb.faults.values(), 1)]
    return [f"{i}. {c.label}" for i, c in enumerate(step.finding.choices, 1)]


def hint(step: Step) -> str:
    """Return the short answer hint shown after a question."""
    if step.flag is not None or (step.finding and step.finding.kind == "bool"):
        return "[y/n]"
    return ""


def run_session(
    kb: KnowledgeBase,
    ask: Callable[[str], str],
    say: Callable[[str], None],
    finish: Callable[[dict[str, Any]], Any],
) -> Any:
    """Ask questions until enough is known; return ``finish(answers)``.

    ``finish`` turns the answers into a result; when it raises :class:`TriageInputError`
    (answers that contradict each other) the problem is shown and the questions behind
    the named fields are asked again.
    """
    session = Session(kb)
    say("Type 'back' to change your previous answer, 'quit' to stop.")
    while True:
        step = session.next_step()
        if step is None:
            try:
                return finish(session.raw_answers())
            except TriageInputError as exc:
                say(f"Those answers do not fit together: {exc}")
                if not session.forget(exc.fields):
                    session.undo()  # a field no question sets: at least undo the last answer
                continue
        for line in describe_choices(step, kb):
            say(f"   {line}")
        text = ask(f"{step.prompt} {hint(step)}".rstrip() + " > ")
        word = text.strip().lower()
        if word in QUIT_WORDS:
            raise QuitSession()
        if word in BACK_WORDS:
            undone = session.undo()
            say("Going back." if undone else "Nothing to go back to.")
            continue
        try:
            session.record(step, parse_answer(step, text, kb))
        except InvalidAnswer as exc:
            say(f"Please answer again: {exc}")
