"""book of business reference data prospects

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "counties",
        sa.Column("zip_code", sa.String(length=5), nullable=False),
        sa.Column("fips", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("rating_area", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("zip_code", "fips", name=op.f("pk_counties")),
    )
    op.create_table(
        "medical_groups",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("medical_group_number", sa.String(length=12), nullable=False),
        sa.Column("medical_group_name", sa.String(length=200), nullable=False),
        sa.Column("pcp_number", sa.String(length=12), nullable=False),
        sa.Column("pcpa_number", sa.String(length=12), nullable=False),
        sa.Column("npi", sa.String(length=10), nullable=False),
        sa.Column("physician_name", sa.String(length=200), nullable=False),
        sa.Column("accepting_new_patients", sa.Boolean(), nullable=False),
        sa.Column("address1", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("zip_code", sa.String(length=5), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_groups")),
        sa.UniqueConstraint("medical_group_number", name=op.f("uq_medical_groups_medical_group_number")),
    )
    with op.batch_alter_table("medical_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_medical_groups_npi"), ["npi"], unique=False)
        batch_op.create_index(batch_op.f("ix_medical_groups_pcp_number"), ["pcp_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_medical_groups_pcpa_number"), ["pcpa_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_medical_groups_zip_code"), ["zip_code"], unique=False)

    op.create_table(
        "networks",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_networks")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_number", sa.String(length=12), nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("middle_initial", sa.String(length=1), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column(
            "first_name_key",
            sa.String(length=100).with_variant(sa.VARCHAR(length=100, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "last_name_key",
            sa.String(length=100).with_variant(sa.VARCHAR(length=100, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("ssn_last4", sa.String(length=4), nullable=False),
        sa.Column("address1", sa.String(length=200), nullable=False),
        sa.Column("address2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("zip_code", sa.String(length=5), nullable=False),
        sa.Column("county", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column(
            "email_key",
            sa.String(length=254).with_variant(sa.VARCHAR(length=254, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("phone_home", sa.String(length=10), nullable=True),
        sa.Column("phone_cell", sa.String(length=10), nullable=True),
        sa.Column("phone_work", sa.String(length=10), nullable=True),
        sa.Column("phone_spouse_cell", sa.String(length=10), nullable=True),
        sa.Column("phone_fax", sa.String(length=10), nullable=True),
        sa.Column(
            "phone_details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["producer_id"], ["users.id"], name=op.f("fk_accounts_producer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("account_number", name=op.f("uq_accounts_account_number")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_producer_dob", ["producer_id", "date_of_birth"], unique=False)
        batch_op.create_index("ix_accounts_producer_email", ["producer_id", "email_key"], unique=False)
        batch_op.create_index("ix_accounts_producer_first", ["producer_id", "first_name_key"], unique=False)
        batch_op.create_index(
            "ix_accounts_producer_last_first", ["producer_id", "last_name_key", "first_name_key"], unique=False
        )
        batch_op.create_index("ix_accounts_producer_phone_cell", ["producer_id", "phone_cell"], unique=False)
        batch_op.create_index("ix_accounts_producer_phone_home", ["producer_id", "phone_home"], unique=False)
        batch_op.create_index("ix_accounts_producer_phone_work", ["producer_id", "phone_work"], unique=False)
        batch_op.create_index(
            "ix_accounts_producer_ssn4_dob", ["producer_id", "ssn_last4", "date_of_birth"], unique=False
        )
        batch_op.create_index("ix_accounts_producer_zip", ["producer_id", "zip_code"], unique=False)

    op.create_table(
        "medical_group_networks",
        sa.Column("medical_group_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("network_code", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["medical_group_id"],
            ["medical_groups.id"],
            name=op.f("fk_medical_group_networks_medical_group_id_medical_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_code"], ["networks.code"], name=op.f("fk_medical_group_networks_network_code_networks")
        ),
        sa.PrimaryKeyConstraint("medical_group_id", "network_code", name=op.f("pk_medical_group_networks")),
    )
    op.create_table(
        "plans",
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("coverage", sa.String(length=8), nullable=False),
        sa.Column("metal_level", sa.String(length=16), nullable=True),
        sa.Column("network_type", sa.String(length=4), nullable=False),
        sa.Column("requires_pcp", sa.Boolean(), nullable=False),
        sa.Column("exchange", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("network_code", sa.String(length=20), nullable=False),
        sa.Column("plan_year", sa.Integer(), nullable=False),
        sa.Column("group_number", sa.String(length=12), nullable=False),
        sa.Column("tobacco_factor", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("customer_service_phone", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["network_code"], ["networks.code"], name=op.f("fk_plans_network_code_networks")),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_state"), ["state"], unique=False)

    op.create_table(
        "prospects",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("middle_initial", sa.String(length=1), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column(
            "first_name_key",
            sa.String(length=100).with_variant(sa.VARCHAR(length=100, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "last_name_key",
            sa.String(length=100).with_variant(sa.VARCHAR(length=100, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("address1", sa.String(length=200), nullable=True),
        sa.Column("address2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column(
            "city_key",
            sa.String(length=100).with_variant(sa.VARCHAR(length=100, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("zip_code", sa.String(length=5), nullable=False),
        sa.Column("phone", sa.String(length=10), nullable=True),
        sa.Column("cell_phone", sa.String(length=10), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column(
            "email_key",
            sa.String(length=254).with_variant(sa.VARCHAR(length=254, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("assigned_agent_number", sa.String(length=9), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["producer_id"], ["users.id"], name=op.f("fk_prospects_producer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospects")),
    )
    with op.batch_alter_table("prospects", schema=None) as batch_op:
        batch_op.create_index("ix_prospects_producer_created", ["producer_id", "created_at"], unique=False)
        batch_op.create_index("ix_prospects_producer_first", ["producer_id", "first_name_key"], unique=False)
        batch_op.create_index("ix_prospects_producer_last", ["producer_id", "last_name_key"], unique=False)

    op.create_table(
        "contact_info_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("requested_by_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "changes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_contact_info_changes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["producer_id"], ["users.id"], name=op.f("fk_contact_info_changes_producer_id_users")),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_contact_info_changes_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_info_changes")),
    )
    with op.batch_alter_table("contact_info_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_info_changes_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_contact_info_changes_status_effective", ["status", "effective_at"], unique=False)

    op.create_table(
        "members",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("suffix", sa.String(length=2), nullable=False),
        sa.Column("relationship", sa.String(length=8), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("middle_initial", sa.String(length=1), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("ssn_last4", sa.String(length=4), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_members_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_account_id"), ["account_id"], unique=False)

    op.create_table(
        "plan_rates",
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("rating_area", sa.Integer(), nullable=False),
        sa.Column("base_rate", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.plan_id"], name=op.f("fk_plan_rates_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan_id", "state", "rating_area", name=op.f("pk_plan_rates")),
    )
    op.create_table(
        "policies",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("producer_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("producer_number", sa.String(length=9), nullable=False),
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("coverage", sa.String(length=8), nullable=False),
        sa.Column("network_type", sa.String(length=4), nullable=False),
        sa.Column("requires_pcp", sa.Boolean(), nullable=False),
        sa.Column("exchange", sa.String(length=3), nullable=False),
        sa.Column("group_number", sa.String(length=12), nullable=False),
        sa.Column("e_app_number", sa.String(length=12), nullable=True),
        sa.Column("client_app_id", sa.String(length=20), nullable=True),
        sa.Column("exchange_assigned_id", sa.String(length=20), nullable=True),
        sa.Column("pending_application_id", sa.String(length=6), nullable=True),
        sa.Column("grandfathered", sa.Boolean(), nullable=False),
        sa.Column("temporary_plan", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("coverage_effective_date", sa.Date(), nullable=False),
        sa.Column("paid_to_date", sa.Date(), nullable=True),
        sa.Column("termination_date", sa.Date(), nullable=True),
        sa.Column("app_signature_date", sa.Date(), nullable=True),
        sa.Column("eapp_start_date", sa.Date(), nullable=True),
        sa.Column("application_status", sa.String(length=24), nullable=True),
        sa.Column("application_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("initial_payment_received", sa.Boolean(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_policies_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.plan_id"], name=op.f("fk_policies_plan_id_plans")),
        sa.ForeignKeyConstraint(["producer_id"], ["users.id"], name=op.f("fk_policies_producer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policies_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_policies_producer_account", ["producer_id", "account_id"], unique=False)
        batch_op.create_index("ix_policies_producer_client_app", ["producer_id", "client_app_id"], unique=False)
        batch_op.create_index("ix_policies_producer_e_app", ["producer_id", "e_app_number"], unique=False)
        batch_op.create_index("ix_policies_producer_exchange_id", ["producer_id", "exchange_assigned_id"], unique=False)
        batch_op.create_index("ix_policies_producer_number", ["producer_id", "producer_number"], unique=False)
        batch_op.create_index(
            "ix_policies_producer_pending_app", ["producer_id", "pending_application_id"], unique=False
        )

    op.create_table(
        "pcp_assignments",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("policy_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("medical_group_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("term_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("end_reason", sa.String(length=60), nullable=True),
        sa.Column("assigned_by", sa.String(length=100), nullable=False),
        sa.Column("request_received_date", sa.Date(), nullable=False),
        sa.Column("change_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["medical_group_id"], ["medical_groups.id"], name=op.f("fk_pcp_assignments_medical_group_id_medical_groups")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_pcp_assignments_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policies.id"], name=op.f("fk_pcp_assignments_policy_id_policies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pcp_assignments")),
    )
    with op.batch_alter_table("pcp_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pcp_assignments_member_policy_term", ["member_id", "policy_id", "term_date"], unique=False
        )

    op.create_table(
        "policy_members",
        sa.Column("policy_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("coverage_start", sa.Date(), nullable=False),
        sa.Column("coverage_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_policy_members_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policies.id"], name=op.f("fk_policy_members_policy_id_policies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("policy_id", "member_id", name=op.f("pk_policy_members")),
    )
    with op.batch_alter_table("policy_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_members_member_id"), ["member_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("policy_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_members_member_id"))

    op.drop_table("policy_members")
    with op.batch_alter_table("pcp_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_pcp_assignments_member_policy_term")

    op.drop_table("pcp_assignments")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index("ix_policies_producer_pending_app")
        batch_op.drop_index("ix_policies_producer_number")
        batch_op.drop_index("ix_policies_producer_exchange_id")
        batch_op.drop_index("ix_policies_producer_e_app")
        batch_op.drop_index("ix_policies_producer_client_app")
        batch_op.drop_index("ix_policies_producer_account")
        batch_op.drop_index(batch_op.f("ix_policies_account_id"))

    op.drop_table("policies")
    op.drop_table("plan_rates")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_account_id"))

    op.drop_table("members")
    with op.batch_alter_table("contact_info_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_info_changes_status_effective")
        batch_op.drop_index(batch_op.f("ix_contact_info_changes_account_id"))

    op.drop_table("contact_info_changes")
    with op.batch_alter_table("prospects", schema=None) as batch_op:
        batch_op.drop_index("ix_prospects_producer_last")
        batch_op.drop_index("ix_prospects_producer_first")
        batch_op.drop_index("ix_prospects_producer_created")

    op.drop_table("prospects")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_state"))

    op.drop_table("plans")
    op.drop_table("medical_group_networks")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_producer_zip")
        batch_op.drop_index("ix_accounts_producer_ssn4_dob")
        batch_op.drop_index("ix_accounts_producer_phone_work")
        batch_op.drop_index("ix_accounts_producer_phone_home")
        batch_op.drop_index("ix_accounts_producer_phone_cell")
        batch_op.drop_index("ix_accounts_producer_last_first")
        batch_op.drop_index("ix_accounts_producer_first")
        batch_op.drop_index("ix_accounts_producer_email")
        batch_op.drop_index("ix_accounts_producer_dob")

    op.drop_table("accounts")
    op.drop_table("networks")
    with op.batch_alter_table("medical_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medical_groups_zip_code"))
        batch_op.drop_index(batch_op.f("ix_medical_groups_pcpa_number"))
        batch_op.drop_index(batch_op.f("ix_medical_groups_pcp_number"))
        batch_op.drop_index(batch_op.f("ix_medical_groups_npi"))

    op.drop_table("medical_groups")
    op.drop_table("counties")
