"""Issue 15 (servicing): the bank account a card binder payment's autopay draws from; per-state registration
decisions with a reason; pharmacy fields (Rx BIN, PCN, group) of the plans for the ID card

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("autopay_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("autopay_last4", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("autopay_account_type", sa.String(length=12), nullable=True))
    # A bank payment with autopay drew from its own account: say so on the rows written before this column.
    op.execute(
        "UPDATE payments SET autopay_token = processor_token, autopay_last4 = last4, "
        "autopay_account_type = account_type WHERE autopay AND method = 'bank_account'"
    )
    with op.batch_alter_table("state_registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("decision_reason", sa.String(length=300), nullable=True))
    op.execute("UPDATE state_registrations SET decided_at = activated_at WHERE activated_at IS NOT NULL")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rx_bin", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("rx_pcn", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("rx_group", sa.String(length=15), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("rx_group")
        batch_op.drop_column("rx_pcn")
        batch_op.drop_column("rx_bin")
    with op.batch_alter_table("state_registrations", schema=None) as batch_op:
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("decided_at")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("autopay_account_type")
        batch_op.drop_column("autopay_last4")
        batch_op.drop_column("autopay_token")
