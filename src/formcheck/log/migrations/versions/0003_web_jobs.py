"""Web app jobs: one row per uploaded video, its analysis progress and where its files are.

Revision ID: 0003_web_jobs
Revises: 0002_pain_video_triage
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_web_jobs"
down_revision = "0002_pain_video_triage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(24), nullable=False),
        sa.Column("percent", sa.Float, nullable=False),
        sa.Column("eta_s", sa.Float, nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lift", sa.String(20), nullable=True),
        sa.Column("reps", sa.Integer, nullable=True),
        sa.Column("faults", sa.Integer, nullable=True),
        sa.Column("summary", sa.JSON, nullable=True),
        sa.Column(
            "analysis_id",
            sa.Integer,
            sa.ForeignKey("video_analyses.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    op.create_index("ix_web_jobs_created_at", "web_jobs", ["created_at"])
    op.create_index("ix_web_jobs_status", "web_jobs", ["status"])
    op.create_index("ix_web_jobs_lift", "web_jobs", ["lift"])


def downgrade() -> None:
    op.drop_table("web_jobs")
