"""applications in member search

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_name", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("coverage", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("member_count", sa.Integer(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("member_count")
        batch_op.drop_column("coverage")
        batch_op.drop_column("product_name")
