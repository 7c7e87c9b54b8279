"""signed checkpoints: the store's signing key and checkpoints of the evidence chain's head

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:00:00

A hash chain can be recomputed by anyone who can write the store. ``signing_key`` holds the
store's Ed25519 public key (a chained record; the private key is kept outside the store) and
``checkpoint`` the signed statements "entry N has hash H" that every run end, evaluation,
opt-out and purge appends (see ``provenance/store/checkpoints.py``). A store migrated from an
earlier revision has no checkpoint: ``verify`` reports its entries as unsigned until a writer
signs the head.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_key",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("algorithm", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("public_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("signed_at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("signature", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"], ["signing_key.id"], name="fk_checkpoint_key_id_signing_key"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checkpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkpoint_seq"), ["seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checkpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoint_seq"))
    op.drop_table("checkpoint")
    op.drop_table("signing_key")
