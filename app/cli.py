"""`portal` command line: serve, db upgrade, seed --demo | --members N, users create-admin | unlock, openapi export."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import Settings, get_settings

if TYPE_CHECKING:
    from app.db import Database

ROOT = Path(__file__).resolve().parent.parent


def _alembic_config(database_url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


def db_upgrade(settings: Settings, revision: str = "head") -> None:
    """Apply migrations (works on an empty or an older database)."""
    from alembic import command

    command.upgrade(_alembic_config(settings.database_url), revision)


async def _seed_demo(settings: Settings) -> list[str]:
    from app.clock import SystemClock
    from app.db import make_database
    from app.demo.seed import seed_demo
    from app.repositories.uow import SqlUnitOfWork

    db = make_database(settings)
    hasher = _hasher(settings)
    try:
        return await seed_demo(SqlUnitOfWork(db.sessionmaker), hasher, SystemClock())
    finally:
        hasher.shutdown()
        await db.dispose()


def _hasher(settings: Settings):  # type: ignore[no-untyped-def]
    from app.adapters.hashing import PasswordHasher

    return PasswordHasher(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
        workers=1,
        queue_limit=1,
    )


async def _has_users(settings: Settings) -> bool:
    from app.db import make_database
    from app.demo.seed import has_users
    from app.repositories.uow import SqlUnitOfWork

    db = make_database(settings)
    try:
        return await has_users(SqlUnitOfWork(db.sessionmaker))
    finally:
        await db.dispose()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    if not args.no_migrate:
        db_upgrade(settings)
    if settings.is_demo and settings.seed_demo_on_start and not asyncio.run(_has_users(settings)):
        created = asyncio.run(_seed_demo(settings))
        print(f"demo data loaded: {', '.join(created)}", file=sys.stderr)
    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    print(
        f"serving on http://{host}:{port} (docs: http://{host}:{port}/docs, mode: {settings.mode.value})",
        file=sys.stderr,
    )
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        proxy_headers=settings.trust_forwarded_for,
        log_config=None,
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    db_upgrade(get_settings(), args.revision)
    print("database at", args.revision, file=sys.stderr)
    return 0


async def _seed_synthetic(settings: Settings, args: argparse.Namespace) -> dict[str, int]:
    from app.db import make_engine
    from app.demo.synthetic import seed_synthetic

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    engine = make_engine(settings)
    hasher = _hasher(settings)
    try:
        result = await seed_synthetic(
            engine,
            hasher=hasher,
            members=args.members,
            producers=args.producers,
            seed=args.random_seed,
            progress=progress,
        )
    finally:
        hasher.shutdown()
        await engine.dispose()
    return result.rows


def cmd_seed(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.members is not None:
        # The synthetic producers share a published password: never in a production database.
        if not settings.is_demo:
            print("refusing: synthetic books are for demo-mode benchmark databases (PORTAL_MODE=demo)", file=sys.stderr)
            return 2
        if args.members < 1 or (args.producers is not None and args.producers < 1):
            print("--members and --producers must be at least 1", file=sys.stderr)
            return 2
        asyncio.run(_seed_synthetic(settings, args))
        return 0
    if args.demo:
        if not settings.is_demo:
            print("refusing: demo sign-ins exist only in demo mode (PORTAL_MODE=demo)", file=sys.stderr)
            return 2
        created = asyncio.run(_seed_demo(settings))
        print(f"demo users created: {', '.join(created) or 'none (already there)'}", file=sys.stderr)
        return 0
    print("nothing to seed: give --demo or --members N", file=sys.stderr)
    return 2


def cmd_create_admin(args: argparse.Namespace) -> int:
    from app.clock import SystemClock
    from app.repositories.uow import SqlUnitOfWork
    from app.services.admin import create_admin

    settings = get_settings()
    password = os.environ.get("PORTAL_ADMIN_PASSWORD") or getpass.getpass("Password for the new admin: ")

    async def run(db: Database) -> str:
        hasher = _hasher(settings)
        try:
            user_id = await create_admin(
                SqlUnitOfWork(db.sessionmaker),
                hasher,
                username=args.username,
                password=password,
                email=args.email,
                first_name=args.first_name,
                last_name=args.last_name,
                now=SystemClock().now(),
            )
        finally:
            hasher.shutdown()
        return f"admin {args.username} created (id {user_id})"

    return _run_on_database(settings, run)


def _run_on_database(settings: Settings, work: Callable[[Database], Awaitable[str]]) -> int:
    """Run one command's work on a database opened for it; a rule it breaks is printed, exit 2."""
    from app.db import make_database
    from app.domain.errors import DomainError

    async def run() -> str:
        db = make_database(settings)
        try:
            return await work(db)
        finally:
            await db.dispose()

    try:
        done = asyncio.run(run())
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(done, file=sys.stderr)
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    """Issue 12, #4: unlock an account (an admin's included) from the server, audited."""
    from app.clock import SystemClock
    from app.repositories.uow import SqlUnitOfWork
    from app.security import TokenService
    from app.services.admin import unlock_username

    settings = get_settings()
    key = TokenService(settings.secret_key, settings.access_token_minutes).hash_secret(args.username)
    try:
        operator = getpass.getuser()
    except Exception:  # no login name (a container): still audited
        operator = "unknown"

    async def run(db: Database) -> str:
        return await unlock_username(
            SqlUnitOfWork(db.sessionmaker),
            username=args.username,
            username_hash=key,
            operator=operator,
            now=SystemClock().now(),
        )

    return _run_on_database(settings, run)


def openapi_document(public_base_url: str | None = None) -> dict:  # type: ignore[type-arg]
    """The contract. Without `public_base_url` it names no deployment (relative `servers` and token URL), whatever
    PORTAL_PUBLIC_BASE_URL the exporting shell has: that is the committed `openapi/openapi.json`."""
    from app.main import create_app

    settings = Settings()  # type: ignore[call-arg]
    if public_base_url is None:
        settings.model_fields_set.discard("public_base_url")
    else:
        settings = settings.model_copy(update={"public_base_url": public_base_url})
    return create_app(settings, configure_logs=False).openapi()


def render_openapi(public_base_url: str | None = None) -> str:
    return json.dumps(openapi_document(public_base_url), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def cmd_openapi_export(args: argparse.Namespace) -> int:
    text = render_openapi(args.public_base_url)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
        from app.error_codes import catalog_markdown

        errors_page = Path(args.output).resolve().parent.parent / "docs" / "errors.md"
        errors_page.write_text(catalog_markdown(), encoding="utf-8")
        print(f"wrote {errors_page}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="Producer Portal API")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, load demo data on first start (demo mode), serve")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--no-migrate", action="store_true", help="skip `db upgrade` before serving")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    up = db.add_parser("upgrade", help="apply Alembic migrations")
    up.add_argument("--revision", default="head")
    up.set_defaults(func=cmd_db_upgrade)

    seed = sub.add_parser("seed", help="load data")
    seed.add_argument("--demo", action="store_true", help="the demo sign-ins and demo book of api.md (demo mode only)")
    seed.add_argument(
        "--members", type=int, metavar="N", help="a synthetic book of N members for benchmarks (demo mode only)"
    )
    seed.add_argument(
        "--producers", type=int, metavar="P", help="producers sharing the synthetic book (default: max(20, N // 5000))"
    )
    seed.add_argument(
        "--random-seed", type=int, default=20261122, metavar="S", help="seed of the synthetic book (default 20261122)"
    )
    seed.set_defaults(func=cmd_seed)

    users = sub.add_parser("users", help="user administration").add_subparsers(dest="users_command", required=True)
    admin = users.add_parser(
        "create-admin", help="create a carrier-staff admin (password from PORTAL_ADMIN_PASSWORD or a prompt)"
    )
    admin.add_argument("--username", required=True)
    admin.add_argument("--email", required=True)
    admin.add_argument("--first-name", default="Producer")
    admin.add_argument("--last-name", default="Services")
    admin.set_defaults(func=cmd_create_admin)
    unlock = users.add_parser("unlock", help="clear an account's lock and failed sign-ins (admins too); audited")
    unlock.add_argument("username", metavar="USERNAME", help="exactly as it signs in (case sensitive)")
    unlock.set_defaults(func=cmd_unlock)

    oa = sub.add_parser("openapi", help="OpenAPI document").add_subparsers(dest="openapi_command", required=True)
    export = oa.add_parser("export", help="write the generated document")
    export.add_argument("--output", default=str(ROOT / "openapi" / "openapi.json"))
    export.add_argument(
        "--public-base-url",
        help="a deployment's copy: absolute servers and token URL (default: relative, as committed)",
    )
    export.set_defaults(func=cmd_openapi_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
