"""job manifest: a generation's inputs resolved at submit; probed facts of stored media

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manifest_json", sa.Text(), nullable=True))
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media_json", sa.Text(), nullable=True))
    # An account's generations, newest first (listings, the console's gallery).
    op.create_index("ix_generations_account_created", "generations", ["account_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_generations_account_created", table_name="generations")
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_column("media_json")
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.drop_column("manifest_json")
