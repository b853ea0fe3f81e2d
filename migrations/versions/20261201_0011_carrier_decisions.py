"""Carrier processing (issue 14): the carrier's decision on an application, the policies an approval wrote, and
one e-app number format (digits) for applications and policies

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("decision_reason", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("account_number", sa.String(length=12), nullable=True))
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("application_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_policies_application_id"), ["application_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_policies_application_id_applications"),
            "applications",
            ["application_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # "A-0001" record numbers become the 10-digit e-app number (app/domain/enrollments.record_number).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE applications SET record_number = lpad(id::text, 10, '0') WHERE record_number LIKE 'A-%'")
    else:
        op.execute("UPDATE applications SET record_number = printf('%010d', id) WHERE record_number LIKE 'A-%'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE applications SET record_number = 'A-' || lpad(id::text, 4, '0') WHERE record_number ~ '^[0-9]+$'"
        )
    else:
        op.execute("UPDATE applications SET record_number = printf('A-%04d', id) WHERE record_number NOT LIKE 'A-%'")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_policies_application_id_applications"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_policies_application_id"))
        batch_op.drop_column("application_id")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("account_number")
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decision")
