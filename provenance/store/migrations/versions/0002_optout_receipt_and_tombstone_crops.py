"""opt-out receipts; tombstones keep PDQ quality and crop pHashes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 05:00:00

A purge stores its receipt on the request (rows scrubbed, WARC payloads removed, files
rewritten, tombstones), and a tombstone keeps the photograph's PDQ quality and the pHashes of
its centred crops so that cropped re-posts are recognised at crawl time. Existing rows get an
empty receipt and no crops.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("optout_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("tombstone", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pdq_quality", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("phash_crops", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("tombstone", schema=None) as batch_op:
        batch_op.drop_column("phash_crops")
        batch_op.drop_column("pdq_quality")
    with op.batch_alter_table("optout_request", schema=None) as batch_op:
        batch_op.drop_column("receipt")
