"""Tables of the training log, as SQLAlchemy 2 typed declarative models.

The schema itself is created and changed only by the Alembic migrations in
``formcheck/log/migrations/versions``; these classes must mirror them (a test compares the
two). Weights are stored in kilograms, with the unit and value the lifter entered kept
beside them so nothing is lost in conversion. Times are stored as naive UTC plus the
lifter's local calendar date, because weekly grouping follows the lifter's week, not UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base whose metadata the migrations mirror."""


class Lifter(Base):
    """The person whose training is logged (one per database for now)."""

    __tablename__ = "lifters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="me")
    height_cm: Mapped[float | None] = mapped_column(Float)
    body_mass_kg: Mapped[float | None] = mapped_column(Float)
    training_age_years: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Exercise(Base):
    """An exercise, keyed by its case-folded name; ``lift`` is its family (squat, deadlift)."""

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    lift: Mapped[str] = mapped_column(String(40), index=True)


class TrainingSession(Base):
    """One workout: when it started (UTC and local date) and where it came from."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lifter_id: Mapped[int] = mapped_column(ForeignKey("lifters.id", ondelete="CASCADE"))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    local_date: Mapped[dt.date] = mapped_column(Date, index=True)
    tz: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), default="")
    duration_min: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(40))
    source_key: Mapped[str] = mapped_column(String(64), unique=True)

    sets: Mapped[list[SetEntry]] = relationship(back_populates="session", passive_deletes=True)


class SetEntry(Base):
    """One set: load in kg plus the original value and unit, reps, effort and set type."""

    __tablename__ = "sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    set_index: Mapped[int] = mapped_column(Integer)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    weight_original: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(4))
    reps: Mapped[int | None] = mapped_column(Integer)
    rpe: Mapped[float | None] = mapped_column(Float)
    rir: Mapped[float | None] = mapped_column(Float)
    warmup: Mapped[bool] = mapped_column(Boolean, default=False)
    set_type: Mapped[str] = mapped_column(String(16), default="normal")
    superset: Mapped[str | None] = mapped_column(String(40))
    distance_m: Mapped[float | None] = mapped_column(Float)
    seconds: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="")
    source_key: Mapped[str] = mapped_column(String(64), unique=True)

    session: Mapped[TrainingSession] = relationship(back_populates="sets")
    exercise: Mapped[Exercise] = relationship()


class PainReport(Base):
    """Pain in one region on a 0-10 scale: before, during, 2 h after and the next morning."""

    __tablename__ = "pain_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    local_date: Mapped[dt.date] = mapped_column(Date, index=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    before: Mapped[int | None] = mapped_column(Integer)
    during: Mapped[int | None] = mapped_column(Integer)
    after: Mapped[int | None] = mapped_column(Integer)
    next_morning: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")


class VideoAnalysis(Base):
    """The JSON of one ``formcheck analyze`` run (schema ``formcheck.analysis/1``)."""

    __tablename__ = "video_analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    video_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    lift: Mapped[str] = mapped_column(String(40))
    schema: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)

    faults: Mapped[list[VideoFault]] = relationship(
        back_populates="analysis", cascade="all, delete-orphan"
    )


class VideoFault(Base):
    """One fault of one rep of an analysed video, flattened for counting across videos."""

    __tablename__ = "video_faults"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("video_analyses.id", ondelete="CASCADE"), index=True
    )
    fault_id: Mapped[str] = mapped_column(String(80), index=True)
    rep_index: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(20))

    analysis: Mapped[VideoAnalysis] = relationship(back_populates="faults")


class TriageResult(Base):
    """The JSON of one soreness triage, with its ``verdict`` pulled out for queries."""

    __tablename__ = "triage_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    verdict: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)


class WebJob(Base):
    """One video uploaded to ``formcheck serve``: its analysis job, progress and outcome.

    ``status`` is queued, running, done, failed or cancelled; the files live under the web
    app's data directory in a folder named by ``id`` (never by the uploaded file name).
    """

    __tablename__ = "web_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), index=True)
    stage: Mapped[str] = mapped_column(String(24))
    percent: Mapped[float] = mapped_column(Float)
    eta_s: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float)
    options: Mapped[dict[str, object]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer)
    lift: Mapped[str | None] = mapped_column(String(20), index=True)
    reps: Mapped[int | None] = mapped_column(Integer)
    faults: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[dict[str, object] | None] = mapped_column(JSON)
    analysis_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_analyses.id", ondelete="SET NULL")
    )
