"""Training core: lifters, exercises, sessions and sets.

Revision ID: 0001_training_core
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_training_core"
down_revision = None
branch_labels = None
depends_on = None


def _create_sets() -> None:
    op.create_table(
        "sets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("exercise_id", sa.Integer, sa.ForeignKey("exercises.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("set_index", sa.Integer, nullable=False),
        sa.Column("weight_kg", sa.Float, nullable=True),
        sa.Column("weight_original", sa.Float, nullable=True),
        sa.Column("unit", sa.String(4), nullable=False),
        sa.Column("reps", sa.Integer, nullable=True),
        sa.Column("rpe", sa.Float, nullable=True),
        sa.Column("rir", sa.Float, nullable=True),
        sa.Column("warmup", sa.Boolean, nullable=False),
        sa.Column("set_type", sa.String(16), nullable=False),
        sa.Column("superset", sa.String(40), nullable=True),
        sa.Column("distance_m", sa.Float, nullable=True),
        sa.Column("seconds", sa.Float, nullable=True),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("source_key", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_sets_session_id", "sets", ["session_id"])
    op.create_index("ix_sets_exercise_id", "sets", ["exercise_id"])


def upgrade() -> None:
    op.create_table(
        "lifters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("height_cm", sa.Float, nullable=True),
        sa.Column("body_mass_kg", sa.Float, nullable=True),
        sa.Column("training_age_years", sa.Float, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "exercises",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lift", sa.String(40), nullable=False),
    )
    op.create_index("ix_exercises_lift", "exercises", ["lift"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "lifter_id",
            sa.Integer,
            sa.ForeignKey("lifters.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("duration_min", sa.Float, nullable=True),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("source_key", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_sessions_started_at", "sessions", ["started_at"])
    op.create_index("ix_sessions_local_date", "sessions", ["local_date"])
    _create_sets()


def downgrade() -> None:
    op.drop_index("ix_sets_exercise_id", table_name="sets")
    op.drop_index("ix_sets_session_id", table_name="sets")
    op.drop_table("sets")
    op.drop_index("ix_sessions_local_date", table_name="sessions")
    op.drop_index("ix_sessions_started_at", table_name="sessions")
    op.drop_table("sessions")
    op.drop_index("ix_exercises_lift", table_name="exercises")
    op.drop_table("exercises")
    op.drop_table("lifters")
