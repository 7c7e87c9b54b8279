"""foreign keys declared; the legacy verdict table dropped when empty

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:10:00

Relations the code always kept are now declared, so tools that follow foreign keys
(Datasette, SQL clients, PostgreSQL itself) see them: every ``run_id`` names its
``crawl_run``; an ``image_verdict`` row names its ``evaluation``, ``image`` and
``verdict_outcome``; a tombstone its ``optout_request``. Links by URL (an occurrence's image
or page, a signal's subject) stay undeclared: those rows are written before the row they name
(an occurrence is recorded when the page is read, its image when it has been fetched) or name
a host, so a constraint would refuse the crawl's own writes.

The ``verdict`` table (evaluations before 0003) is dropped when it holds no row, which is the
case of every store evaluated since; a store with such rows keeps them, and ``verify`` still
checks them (by reflection, see ``provenance.verify.check_legacy_verdicts``).

SQLite cannot add a constraint to a table: each table is rebuilt (Alembic batch mode), the
image verdicts keeping their WITHOUT ROWID layout.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_RUN_TABLES = ("host_snapshot", "page", "image", "image_occurrence", "signal")


def _fk(table: str, column: str, target: str) -> str:
    return f"fk_{table}_{column}_{target}"


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    for table in _RUN_TABLES:
        with op.batch_alter_table(table, recreate="always" if sqlite else "auto") as batch:
            batch.create_foreign_key(
                _fk(table, "run_id", "crawl_run"), "crawl_run", ["run_id"], ["id"]
            )
    with op.batch_alter_table("tombstone", recreate="always" if sqlite else "auto") as batch:
        batch.create_foreign_key(
            _fk("tombstone", "request_id", "optout_request"),
            "optout_request",
            ["request_id"],
            ["id"],
        )
    with op.batch_alter_table(
        "image_verdict",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_with_rowid": False},
    ) as batch:
        batch.create_foreign_key(
            _fk("image_verdict", "evaluation", "evaluation"), "evaluation", ["evaluation"], ["id"]
        )
        batch.create_foreign_key(
            _fk("image_verdict", "image_id", "image"), "image", ["image_id"], ["id"]
        )
        batch.create_foreign_key(
            _fk("image_verdict", "outcome_id", "verdict_outcome"),
            "verdict_outcome",
            ["outcome_id"],
            ["id"],
        )
    if sa.inspect(bind).has_table("verdict"):
        rows = bind.execute(sa.text("SELECT count(*) FROM verdict")).scalar()
        if not rows:
            op.drop_index(op.f("ix_verdict_evaluation"), table_name="verdict")
            op.drop_index(op.f("ix_verdict_image_id"), table_name="verdict")
            op.drop_index(op.f("ix_verdict_run_id"), table_name="verdict")
            op.drop_table("verdict")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "image_verdict",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_with_rowid": False},
    ) as batch:
        batch.drop_constraint(
            _fk("image_verdict", "outcome_id", "verdict_outcome"), type_="foreignkey"
        )
        batch.drop_constraint(_fk("image_verdict", "image_id", "image"), type_="foreignkey")
        batch.drop_constraint(_fk("image_verdict", "evaluation", "evaluation"), type_="foreignkey")
    with op.batch_alter_table("tombstone", recreate="always" if sqlite else "auto") as batch:
        batch.drop_constraint(_fk("tombstone", "request_id", "optout_request"), type_="foreignkey")
    for table in _RUN_TABLES:
        with op.batch_alter_table(table, recreate="always" if sqlite else "auto") as batch:
            batch.drop_constraint(_fk(table, "run_id", "crawl_run"), type_="foreignkey")
