"""Trust (issue 12) money: one live payment per application

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

A partial unique index on payments(application_id) over the live statuses (Pending, Successful), on SQLite and
PostgreSQL alike. Before issue 12 an application could get several live payments; they are resolved first:
- extra Pending payments (never charged) are cancelled: the Successful one is kept if there is one, else the
  newest Pending one;
- an application whose payment was taken keeps payment_status Successful (a later declined duplicate could
  have overwritten it);
- two Successful payments of one application mean the client was charged twice. That needs a person (a refund),
  so the upgrade stops and names them instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = ("Pending", "Successful")
INDEX = "uq_payments_application_live"
WHERE = sa.text("status IN ('Pending', 'Successful')")

payments = sa.table(
    "payments",
    sa.column("id", sa.Integer),
    sa.column("application_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("decline_reason", sa.String),
)
applications = sa.table("applications", sa.column("id", sa.Integer), sa.column("payment_status", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    live: dict[int, list[tuple[int, str]]] = {}
    for pid, app_id, status in bind.execute(
        sa.select(payments.c.id, payments.c.application_id, payments.c.status)
        .where(payments.c.status.in_(LIVE))
        .order_by(payments.c.application_id, payments.c.id)
    ):
        live.setdefault(app_id, []).append((pid, status))
    charged_twice = {app_id: [pid for pid, status in rows if status == "Successful"] for app_id, rows in live.items()}
    charged_twice = {app_id: ids for app_id, ids in charged_twice.items() if len(ids) > 1}
    if charged_twice:
        listing = "; ".join(f"application {a}: payments {', '.join(map(str, ids))}" for a, ids in charged_twice.items())
        raise RuntimeError(
            f"Migration 0008 stops: these applications were charged more than once ({listing}). Refund the extra "
            "charges and mark those payments Cancelled in the payments table, then run the upgrade again."
        )
    cancel: list[int] = []
    paid: list[int] = []
    for app_id, rows in live.items():
        successful = [pid for pid, status in rows if status == "Successful"]
        keep = successful[0] if successful else rows[-1][0]
        cancel += [pid for pid, _ in rows if pid != keep]
        if successful:
            paid.append(app_id)
    if cancel:
        bind.execute(
            payments.update()
            .where(payments.c.id.in_(cancel))
            .values(
                status="Cancelled",
                decline_reason="Cancelled by migration 0008: another payment of the application "
                "was live (never charged).",
            )
        )
    if paid:
        bind.execute(applications.update().where(applications.c.id.in_(paid)).values(payment_status="Successful"))
    op.create_index(INDEX, "payments", ["application_id"], unique=True, sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="payments")
