"""Named errors of the triage stage: bad answers, and a bad knowledge base."""

from __future__ import annotations

from formcheck.errors import ConfigError, FormcheckError

SHOWN_PROBLEMS = 20  # every problem stays in .problems; the message lists the first ones


class TriageInputError(FormcheckError):
    """The triage answers are invalid or contradict each other.

    Parameters
    ----------
    problems
        One ``(field, message)`` pair per problem; every problem is reported in one message.
    """

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        self.fields = [field for field, _ in problems]
        shown = problems[:SHOWN_PROBLEMS]
        text = "; ".join(f"{field}: {message}" for field, message in shown)
        if len(problems) > SHOWN_PROBLEMS:
            text += f"; and {len(problems) - SHOWN_PROBLEMS} more"
        super().__init__(f"invalid triage answers ({len(problems)} problem(s)): {text}")


class KnowledgeBaseError(ConfigError):
    """A triage knowledge-base file is invalid; the message names the file, entry and field."""
