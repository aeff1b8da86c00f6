"""formcheck: form analysis, soreness triage and a training log for squats and deadlifts."""

__version__ = "0.1.0"
