"""API plans: an account's plan, billing period and renewal; effect templates used per period

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan", sa.String(40), nullable=True))
        batch_op.add_column(sa.Column("plan_started_at", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("plan_period_start", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("plan_renews_at", sa.Float(), nullable=True))
    op.create_table(
        "effect_uses",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("period_start", sa.Float(), nullable=False),
        sa.Column("template_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_effect_uses_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("account_id", "period_start", "template_id", name="pk_effect_uses"),
    )


def downgrade() -> None:
    op.drop_table("effect_uses")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("plan_renews_at")
        batch_op.drop_column("plan_period_start")
        batch_op.drop_column("plan_started_at")
        batch_op.drop_column("plan")
