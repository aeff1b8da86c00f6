"""Health records: pain reports, video analyses with their faults, triage results.

Revision ID: 0002_pain_video_triage
Revises: 0001_training_core
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_pain_video_triage"
down_revision = "0001_training_core"
branch_labels = None
depends_on = None


def _session_fk() -> sa.Column:
    return sa.Column(
        "session_id",
        sa.Integer,
        sa.ForeignKey("sessions.id", ondelete="SET NULL"),
        nullable=True,
    )


def upgrade() -> None:
    op.create_table(
        "pain_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        _session_fk(),
        sa.Column("reported_at", sa.DateTime, nullable=False),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("region", sa.String(40), nullable=False),
        sa.Column("before", sa.Integer, nullable=True),
        sa.Column("during", sa.Integer, nullable=True),
        sa.Column("after", sa.Integer, nullable=True),
        sa.Column("next_morning", sa.Integer, nullable=True),
        sa.Column("notes", sa.Text, nullable=False),
    )
    op.create_index("ix_pain_reports_session_id", "pain_reports", ["session_id"])
    op.create_index("ix_pain_reports_reported_at", "pain_reports", ["reported_at"])
    op.create_index("ix_pain_reports_local_date", "pain_reports", ["local_date"])
    op.create_index("ix_pain_reports_region", "pain_reports", ["region"])
    op.create_table(
        "video_analyses",
        sa.Column("id", sa.Integer, primary_key=True),
        _session_fk(),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("video_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("lift", sa.String(40), nullable=False),
        sa.Column("schema", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index("ix_video_analyses_session_id", "video_analyses", ["session_id"])
    op.create_index("ix_video_analyses_recorded_at", "video_analyses", ["recorded_at"])
    op.create_table(
        "video_faults",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "analysis_id",
            sa.Integer,
            sa.ForeignKey("video_analyses.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("fault_id", sa.String(80), nullable=False),
        sa.Column("rep_index", sa.Integer, nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
    )
    op.create_index("ix_video_faults_analysis_id", "video_faults", ["analysis_id"])
    op.create_index("ix_video_faults_fault_id", "video_faults", ["fault_id"])
    op.create_table(
        "triage_results",
        sa.Column("id", sa.Integer, primary_key=True),
        _session_fk(),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("verdict", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index("ix_triage_results_session_id", "triage_results", ["session_id"])
    op.create_index("ix_triage_results_recorded_at", "triage_results", ["recorded_at"])


def downgrade() -> None:
    op.drop_table("triage_results")
    op.drop_table("video_faults")
    op.drop_table("video_analyses")
    op.drop_table("pain_reports")
