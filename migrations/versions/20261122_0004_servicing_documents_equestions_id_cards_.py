"""servicing documents equestions id cards pcp idempotency

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "documents",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("tracking_number", sa.String(length=20), nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("uploaded_by_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("document_type", sa.String(length=60), nullable=False),
        sa.Column("account_number", sa.String(length=12), nullable=True),
        sa.Column("e_app_number", sa.String(length=20), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["producer_id"], ["users.id"], name=op.f("fk_documents_producer_id_users")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_documents_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_documents_tracking_number")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_producer_submitted", ["producer_id", "submitted_at"], unique=False)

    op.create_table(
        "e_questions",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("tracking_number", sa.String(length=20), nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("asked_by_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("client_first_name", sa.String(length=100), nullable=True),
        sa.Column("client_middle_initial", sa.String(length=1), nullable=True),
        sa.Column("client_last_name", sa.String(length=100), nullable=True),
        sa.Column("client_id", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_by_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["asked_by_id"], ["users.id"], name=op.f("fk_e_questions_asked_by_id_users")),
        sa.ForeignKeyConstraint(["producer_id"], ["users.id"], name=op.f("fk_e_questions_producer_id_users")),
        sa.ForeignKeyConstraint(["responded_by_id"], ["users.id"], name=op.f("fk_e_questions_responded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_e_questions")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_e_questions_tracking_number")),
    )
    with op.batch_alter_table("e_questions", schema=None) as batch_op:
        batch_op.create_index("ix_e_questions_producer_submitted", ["producer_id", "submitted_at"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "response_body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
    )
    op.create_table(
        "id_card_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("requested_by_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("policy_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("pcp_change_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_id_card_requests_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policies.id"], name=op.f("fk_id_card_requests_policy_id_policies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["producer_id"], ["users.id"], name=op.f("fk_id_card_requests_producer_id_users")),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_id_card_requests_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_id_card_requests")),
    )
    with op.batch_alter_table("id_card_requests", schema=None) as batch_op:
        batch_op.create_index("ix_id_card_requests_producer_requested", ["producer_id", "requested_at"], unique=False)

    op.create_table(
        "pcp_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("requested_by_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("policy_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("medical_group_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("term_date", sa.Date(), nullable=False),
        sa.Column(
            "warnings_accepted",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_pcp_changes_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["medical_group_id"], ["medical_groups.id"], name=op.f("fk_pcp_changes_medical_group_id_medical_groups")
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policies.id"], name=op.f("fk_pcp_changes_policy_id_policies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["producer_id"], ["users.id"], name=op.f("fk_pcp_changes_producer_id_users")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_pcp_changes_requested_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pcp_changes")),
    )
    with op.batch_alter_table("pcp_changes", schema=None) as batch_op:
        batch_op.create_index("ix_pcp_changes_producer_created", ["producer_id", "created_at"], unique=False)

    op.create_table(
        "id_card_request_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_id_card_request_items_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["id_card_requests.id"],
            name=op.f("fk_id_card_request_items_request_id_id_card_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_id_card_request_items")),
    )
    with op.batch_alter_table("id_card_request_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_id_card_request_items_request_id"), ["request_id"], unique=False)

    op.create_table(
        "pcp_change_members",
        sa.Column("change_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("previous_assignment_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=True),
        sa.Column("new_assignment_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["pcp_changes.id"],
            name=op.f("fk_pcp_change_members_change_id_pcp_changes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_pcp_change_members_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("change_id", "member_id", name=op.f("pk_pcp_change_members")),
    )


def downgrade() -> None:

    op.drop_table("pcp_change_members")
    with op.batch_alter_table("id_card_request_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_id_card_request_items_request_id"))

    op.drop_table("id_card_request_items")
    with op.batch_alter_table("pcp_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_pcp_changes_producer_created")

    op.drop_table("pcp_changes")
    with op.batch_alter_table("id_card_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_id_card_requests_producer_requested")

    op.drop_table("id_card_requests")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("e_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_e_questions_producer_submitted")

    op.drop_table("e_questions")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_producer_submitted")

    op.drop_table("documents")
