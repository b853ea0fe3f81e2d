"""member producer and saved report names

`members.producer_id` repeats the account's (as `policies.producer_id` does), backfilled from `accounts`, so the
member reports (R-REP-1 "approaching 65 / 26") start from the producer's members born in the range:
`ix_members_producer_birth_relationship`. Saved-report names become unique per producer in any case (R-REP-3)
through a unique index on (producer_id, lower(name)).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.INTEGER(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("producer_id", ID, nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        # One hash join rather than a subquery per member (a synthetic book has millions).
        op.execute(
            "UPDATE members SET producer_id = accounts.producer_id FROM accounts WHERE accounts.id = members.account_id"
        )
    else:
        op.execute(
            "UPDATE members SET producer_id = "
            "(SELECT accounts.producer_id FROM accounts WHERE accounts.id = members.account_id)"
        )

    # SQLite: NOT NULL and the foreign key rebuild the table (batch mode); PostgreSQL: plain ALTERs.
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("producer_id", existing_type=ID, nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_members_producer_id_users"), "users", ["producer_id"], ["id"])
        batch_op.create_index(
            "ix_members_producer_birth_relationship", ["producer_id", "date_of_birth", "relationship"], unique=False
        )

    with op.batch_alter_table("saved_reports", schema=None) as batch_op:
        batch_op.create_index("uq_saved_reports_producer_name", ["producer_id", sa.text("lower(name)")], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("saved_reports", schema=None) as batch_op:
        batch_op.drop_index("uq_saved_reports_producer_name")

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_producer_birth_relationship")
        batch_op.drop_constraint(batch_op.f("fk_members_producer_id_users"), type_="foreignkey")
        batch_op.drop_column("producer_id")
