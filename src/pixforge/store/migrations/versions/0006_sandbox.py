"""sandbox: sandbox accounts, their timing and clock, held generations, scenarios, journal

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sandbox", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "sandbox_accounts",
        sa.Column("account_id", sa.BigInteger(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("timing_json", sa.Text(), nullable=False),
        sa.Column("clock_offset_s", sa.Float(), nullable=False),
        sa.Column("submits", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_sandbox_accounts"),
    )
    op.create_table(
        "sandbox_generations",
        sa.Column("generation_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("directive", sa.Text(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("polls", sa.Integer(), nullable=False),
        sa.Column("born_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("generation_id", name="pk_sandbox_generations"),
    )
    op.create_index("ix_sandbox_generations_state", "sandbox_generations", ["state", "account_id"])
    op.create_table(
        "sandbox_scenarios",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("stage", sa.String(10), nullable=False),
        sa.Column("mode", sa.String(20), nullable=True),
        sa.Column("directive", sa.Text(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sandbox_scenarios"),
    )
    op.create_index("ix_sandbox_scenarios_account_id", "sandbox_scenarios", ["account_id"])
    op.create_table(
        "sandbox_journal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("err_code", sa.Integer(), nullable=False),
        sa.Column("trace_id", sa.String(64), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("request_json", sa.Text(), nullable=False),
        sa.Column("response_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sandbox_journal"),
    )
    op.create_index("ix_sandbox_journal_account_at", "sandbox_journal", ["account_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_sandbox_journal_account_at", table_name="sandbox_journal")
    op.drop_table("sandbox_journal")
    op.drop_index("ix_sandbox_scenarios_account_id", table_name="sandbox_scenarios")
    op.drop_table("sandbox_scenarios")
    op.drop_index("ix_sandbox_generations_state", table_name="sandbox_generations")
    op.drop_table("sandbox_generations")
    op.drop_table("sandbox_accounts")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("sandbox")
