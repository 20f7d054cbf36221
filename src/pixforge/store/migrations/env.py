"""Alembic environment: runs migrations on the connection handed over by Database.migrate()."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from pixforge.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:  # `alembic` CLI use, e.g. autogenerating a revision: -x url=sqlite:///...
    url = context.get_x_argument(as_dictionary=True)["url"]
    with create_engine(url).begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
