"""dataset entries: the rows of a dataset an audit read

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 09:00:00

``provtrack audit`` reads datasets (manifests, img2dataset output folders, web archives): each
row becomes a ``dataset_entry`` that names where it is in the dataset (file and row, the
dataset's key) and points at the audit's image record of its URL, so results join back to the
dataset. A dataset's own copy of the image (an img2dataset file) is described in ``local`` and
compared with what the URL serves now in ``presence``.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("caption", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("page_url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("problem", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("local", sa.JSON(), nullable=False),
        sa.Column("presence", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("presence_detail", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_run.id"], name="fk_dataset_entry_run_id_crawl_run"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "source", "row"),
    )
    with op.batch_alter_table("dataset_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_entry_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_dataset_entry_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dataset_entry_url"), ["url"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dataset_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_entry_url"))
        batch_op.drop_index(batch_op.f("ix_dataset_entry_run_id"))
        batch_op.drop_index(batch_op.f("ix_dataset_entry_key"))
    op.drop_table("dataset_entry")
