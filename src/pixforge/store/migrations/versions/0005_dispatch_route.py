"""dispatch route: the queue a generation is published to, and when it was last published

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispatch_route", sa.String(80), nullable=True))
        batch_op.add_column(sa.Column("dispatched_at", sa.Float(), nullable=True))
    op.create_index("ix_generations_status_route", "generations", ["status", "dispatch_route"])


def downgrade() -> None:
    op.drop_index("ix_generations_status_route", table_name="generations")
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.drop_column("dispatched_at")
        batch_op.drop_column("dispatch_route")
