"""reports quotes applications payments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "saved_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("report_type", sa.String(length=40), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column(
            "filters", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["users.id"], name=op.f("fk_saved_reports_producer_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_reports")),
    )
    with op.batch_alter_table("saved_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_reports_producer_id"), ["producer_id"], unique=False)

    op.create_table(
        "quotes",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("prospect_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=True),
        sa.Column("zip_code", sa.String(length=5), nullable=False),
        sa.Column("county", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("rating_area", sa.Integer(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("coverage", sa.String(length=16), nullable=False),
        sa.Column(
            "household", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("selected_medical_plan_id", sa.String(length=40), nullable=True),
        sa.Column("selected_dental_plan_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_quotes_created_by_id_users")),
        sa.ForeignKeyConstraint(["producer_id"], ["users.id"], name=op.f("fk_quotes_producer_id_users")),
        sa.ForeignKeyConstraint(
            ["prospect_id"], ["prospects.id"], name=op.f("fk_quotes_prospect_id_prospects"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["selected_dental_plan_id"], ["plans.plan_id"], name=op.f("fk_quotes_selected_dental_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["selected_medical_plan_id"], ["plans.plan_id"], name=op.f("fk_quotes_selected_medical_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index("ix_quotes_producer_created", ["producer_id", "created_at"], unique=False)

    op.create_table(
        "applications",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("quote_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("producer_number", sa.String(length=9), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column(
            "sections", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("record_number", sa.String(length=12), nullable=True),
        sa.Column("client_app_id", sa.String(length=20), nullable=True),
        sa.Column("date_submitted", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.Column("payment_status", sa.String(length=16), nullable=True),
        sa.Column("monthly_premium", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("applicant_first_name", sa.String(length=100), nullable=True),
        sa.Column("applicant_last_name", sa.String(length=100), nullable=True),
        sa.Column(
            "applicant_last_name_key",
            sa.String(length=100).with_variant(sa.VARCHAR(length=100, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("applicant_date_of_birth", sa.Date(), nullable=True),
        sa.Column("applicant_ssn_last4", sa.String(length=4), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_applications_created_by_id_users")),
        sa.ForeignKeyConstraint(["producer_id"], ["users.id"], name=op.f("fk_applications_producer_id_users")),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quotes.id"], name=op.f("fk_applications_quote_id_quotes"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("client_app_id", name=op.f("uq_applications_client_app_id")),
        sa.UniqueConstraint("record_number", name=op.f("uq_applications_record_number")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_applications_producer_last_name", ["producer_id", "applicant_last_name_key"], unique=False
        )
        batch_op.create_index(
            "ix_applications_producer_status_updated", ["producer_id", "status", "updated_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_applications_quote_id"), ["quote_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("autopay", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("processor_token", sa.String(length=64), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("account_type", sa.String(length=12), nullable=True),
        sa.Column("confirmation_number", sa.String(length=20), nullable=False),
        sa.Column("decline_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_payments_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["producer_id"], ["users.id"], name=op.f("fk_payments_producer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("confirmation_number", name=op.f("uq_payments_confirmation_number")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_application_id"), ["application_id"], unique=False)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index("ix_members_birth_relationship", ["date_of_birth", "relationship"], unique=False)

    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index("ix_policies_producer_eapp_start", ["producer_id", "eapp_start_date"], unique=False)
        batch_op.create_index(
            "ix_policies_producer_effective", ["producer_id", "coverage_effective_date"], unique=False
        )
        batch_op.create_index("ix_policies_producer_paid_to", ["producer_id", "paid_to_date"], unique=False)
        batch_op.create_index("ix_policies_producer_signature", ["producer_id", "app_signature_date"], unique=False)
        batch_op.create_index("ix_policies_producer_termination", ["producer_id", "termination_date"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index("ix_policies_producer_termination")
        batch_op.drop_index("ix_policies_producer_signature")
        batch_op.drop_index("ix_policies_producer_paid_to")
        batch_op.drop_index("ix_policies_producer_effective")
        batch_op.drop_index("ix_policies_producer_eapp_start")

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_birth_relationship")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_application_id"))

    op.drop_table("payments")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_quote_id"))
        batch_op.drop_index("ix_applications_producer_status_updated")
        batch_op.drop_index("ix_applications_producer_last_name")

    op.drop_table("applications")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_quotes_producer_created")

    op.drop_table("quotes")
    with op.batch_alter_table("saved_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_reports_producer_id"))

    op.drop_table("saved_reports")
