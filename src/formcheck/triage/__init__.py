"""Soreness triage: is it normal, what causes it, and what to change.

The Python API is :func:`triage`; answers follow the :class:`Answers` model
(``formcheck triage --schema`` prints its JSON Schema). formcheck is not a medical
professional: the result says so once, in ``TriageResult.disclaimer``.
"""

from formcheck.triage.engine import triage
from formcheck.triage.errors import KnowledgeBaseError, TriageInputError
from formcheck.triage.knowledge import KnowledgeBase, default_knowledge, load_knowledge
from formcheck.triage.models import LEVELS, Answers, TrainingContext, TriageResult

__all__ = [
    "LEVELS",
    "Answers",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "TrainingContext",
    "TriageInputError",
    "TriageResult",
    "default_knowledge",
    "load_knowledge",
    "triage",
]
