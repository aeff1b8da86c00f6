"""Named errors raised at formcheck's boundaries.

Every error carries a one-line message that says what was expected and what was received,
so the CLI can print it without a traceback and the web layer can return it as one shape.
"""

from __future__ import annotations


class FormcheckError(Exception):
    """Base class: a problem with the user's input or environment, reported in one line."""

    exit_code = 2


class InputFileError(FormcheckError):
    """The input file is missing or cannot be read."""


class NotAVideoError(InputFileError):
    """The file exists but holds no video stream."""


class CorruptVideoError(InputFileError):
    """The video stream cannot be decoded (corrupt or truncated)."""


class NoFramesError(InputFileError):
    """The video decodes but yields no frames."""


class FrameRateError(InputFileError):
    """The frame rate is outside what a phone records (or is missing)."""


class PoseError(FormcheckError):
    """The pose model could not find a usable lifter."""


class NoPersonError(PoseError):
    """No person was found in the clip."""


class PersonTooSmallError(PoseError):
    """The person is too small in the frame for reliable landmarks."""


class LifterLeftFrameError(PoseError):
    """The lifter leaves the frame for the part of the clip that matters."""


class MultiplePeopleError(PoseError):
    """Several people are in frame and the lifter cannot be told apart."""


class ConfigError(FormcheckError):
    """A rules or settings file, or an override, is invalid."""


class AnalysisError(FormcheckError):
    """The clip was read but cannot support the requested analysis."""


# --- training log (formcheck.log) ---------------------------------------------------------


class LogError(FormcheckError):
    """A problem with the training log: its database, an entry or an imported file."""


class DatabaseUrlError(LogError):
    """The ``--db`` / ``FORMCHECK_DB`` value is not a usable SQLAlchemy URL or path."""


class DatabaseUnavailableError(LogError):
    """The training-log database cannot be opened or migrated."""


class EntryParseError(LogError):
    """A quick entry (``formcheck log add``) or a score cannot be understood."""


class ExportFormatError(LogError, InputFileError):
    """An imported CSV is not a recognised export, or lacks columns it needs."""


class ImportRowError(LogError, InputFileError):
    """Rows of an imported CSV hold values that cannot be read (all bad rows are listed)."""


class StoredResultError(LogError, InputFileError):
    """An analysis or triage JSON to be stored does not have the expected shape."""


# --- evaluation and batch (formcheck.evaluation, formcheck.batch) --------------------------


class LabelsError(InputFileError):
    """A labels file (clips.json shape) or a folder of analyses cannot be used for scoring."""


class BatchError(FormcheckError):
    """A batch job cannot start: no clips found, a bad output folder or backend."""


class WorkerCrashedError(FormcheckError):
    """The worker process analysing a clip died (killed, out of memory) more than once."""


class OutputPathError(FormcheckError):
    """An output path (``--out``, ``--json``, ``--csv``) cannot be written."""


def quoted(value: object, limit: int = 60) -> str:
    """Return ``repr(value)`` for an error message, cut to about ``limit`` characters.

    A value read from a file can be megabytes long; quoting it whole makes the message
    unreadable and slow to print. The cut says how long the value was.
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"
