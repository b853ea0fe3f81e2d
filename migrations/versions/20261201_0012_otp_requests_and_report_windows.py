"""otp requests and saved report windows

Issue 15, delegates: `otp_requests` counts accepted `POST /auth/otp` per submitted user name (a keyed hash), so the
endpoint can answer 429 with `Retry-After` without looking the account up (R-DEL-3, R-DEL-7).

Issue 15, reports: a saved report holds fixed dates or a rolling window around the day it runs
(`days_before`, `days_after`), or neither (the policy_status report has no range): `date_from` and `date_to`
become nullable (R-REP-3). Existing rows keep their dates.

Self-contained: it only depends on the tables of 0005 and 0007, so it can be re-chained after another head.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.INTEGER(), "sqlite")
NAME_INDEX = "uq_saved_reports_producer_name"


def upgrade() -> None:
    op.create_table(
        "otp_requests",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("identifier_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_requests")),
    )
    op.create_index("ix_otp_requests_identifier_created", "otp_requests", ["identifier_hash", "created_at"])

    # SQLite rebuilds the table to relax NOT NULL (batch mode) and does not reflect the expression index on
    # lower(name): drop it first and create it again after.
    op.drop_index(NAME_INDEX, table_name="saved_reports")
    with op.batch_alter_table("saved_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("days_before", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("days_after", sa.Integer(), nullable=True))
        batch_op.alter_column("date_from", existing_type=sa.Date(), nullable=True)
        batch_op.alter_column("date_to", existing_type=sa.Date(), nullable=True)
    op.create_index(NAME_INDEX, "saved_reports", ["producer_id", sa.text("lower(name)")], unique=True)


def downgrade() -> None:
    # Windowed and undated saved reports cannot be expressed with fixed dates: they are removed.
    op.execute("DELETE FROM saved_reports WHERE date_from IS NULL OR date_to IS NULL")
    op.drop_index(NAME_INDEX, table_name="saved_reports")
    with op.batch_alter_table("saved_reports", schema=None) as batch_op:
        batch_op.alter_column("date_to", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("date_from", existing_type=sa.Date(), nullable=False)
        batch_op.drop_column("days_after")
        batch_op.drop_column("days_before")
    op.create_index(NAME_INDEX, "saved_reports", ["producer_id", sa.text("lower(name)")], unique=True)
    op.drop_index("ix_otp_requests_identifier_created", table_name="otp_requests")
    op.drop_table("otp_requests")
