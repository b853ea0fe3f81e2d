"""/readyz checks document storage (issue 18): the upload folder can be written, or the S3 bucket answers a HEAD
within a short timeout; not ready is a 503 problem naming the storage check and why, as for the database and Redis.
The answer is kept a few seconds (PORTAL_STORAGE_READY_CACHE_SECONDS) so that frequent probes stay cheap.

The bucket is moto's S3 server on loopback (tests/conftest.py `s3_server`)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from app.adapters.storage import LocalFolderStorage, S3Storage
from tests.conftest import S3Server, make_app
from tests.helpers import assert_problem

READY = "/readyz"


@asynccontextmanager
async def instance(settings, clock, **update: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:  # type: ignore[no-untyped-def]
    """An app of its own (its own storage and readiness cache), inside its lifespan."""
    app = make_app(settings.model_copy(update=update), clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client, app.state.ctx


def storage_problem(r: httpx.Response) -> dict[str, Any]:
    body = assert_problem(r, 503, "service_unavailable")
    assert int(r.headers["retry-after"]) > 0
    assert body["checks"]["database"] == "ok" and body["checks"]["storage"] != "ok", body
    assert "redis" not in body["checks"]  # no Redis configured
    assert body["detail"].startswith("Document storage is not usable: "), body["detail"]
    return body


async def test_a_writable_folder_is_ready_and_the_probe_leaves_nothing_behind(settings, clock, tmp_path) -> None:
    root = tmp_path / "not" / "yet" / "there"
    async with instance(settings, clock, storage_dir=str(root)) as (client, ctx):
        assert isinstance(ctx.storage, LocalFolderStorage)
        r = await client.get(READY)
        assert r.status_code == 200, r.text
        assert r.json() == {"status": "ready", "database": "ok", "storage": "ok", "redis": None}
    assert root.is_dir() and list(root.iterdir()) == []  # created as an upload would; the probe file removed
    assert (root.stat().st_mode & 0o777) == 0o700


async def test_an_upload_folder_that_cannot_be_written_is_not_ready(settings, clock, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"not a folder")
    # A path that is a file, and a folder that would have to be made inside a file: neither can take uploads.
    # (Permission bits would not do as the test runs as root, which writes anyway.)
    for storage_dir, error in ((blocker, "FileExistsError"), (blocker / "uploads", "NotADirectoryError")):
        async with instance(settings, clock, storage_dir=str(storage_dir)) as (client, _ctx):
            body = storage_problem(await client.get(READY))
        assert body["checks"]["storage"] == f"the upload folder (PORTAL_STORAGE_DIR) cannot be written: {error}"
        assert str(tmp_path) not in str(body)  # /readyz is public: the kind of failure, not the path
    assert blocker.read_bytes() == b"not a folder"


async def test_the_answer_is_kept_for_the_cache_period_then_checked_again(settings, clock, tmp_path) -> None:
    root = tmp_path / "uploads"
    async with instance(settings, clock, storage_dir=str(root), storage_ready_cache_seconds=60) as (client, _ctx):
        assert (await client.get(READY)).status_code == 200
        root.rmdir()
        root.write_bytes(b"the folder is gone")
        assert (await client.get(READY)).status_code == 200  # the kept answer: no probe within the period
    async with instance(settings, clock, storage_dir=str(root), storage_ready_cache_seconds=0) as (client, _ctx):
        storage_problem(await client.get(READY))  # 0: checked on every call
        root.unlink()
        assert (await client.get(READY)).status_code == 200  # and ready again as soon as it can be written


async def test_a_reachable_s3_bucket_is_ready(settings, clock, s3_server: S3Server, s3_prefix, tmp_path) -> None:
    update = {"storage_dir": str(tmp_path / "local"), **s3_server.settings_update(s3_prefix)}
    async with instance(settings, clock, **update) as (client, ctx):
        assert isinstance(ctx.storage, S3Storage)
        r = await client.get(READY)
        assert r.status_code == 200, r.text
        assert r.json() == {"status": "ready", "database": "ok", "storage": "ok", "redis": None}
    listed = s3_server.client.list_objects_v2(Bucket=s3_server.bucket, Prefix=f"{s3_prefix}/")
    assert listed.get("Contents", []) == []  # a HEAD of the bucket: nothing written
    assert not (tmp_path / "local").exists()  # and nothing on the local disk


async def test_a_missing_bucket_is_not_ready(settings, clock, s3_server: S3Server, s3_prefix) -> None:
    update = {**s3_server.settings_update(s3_prefix), "storage_url": f"s3://no-such-bucket-{s3_prefix}/docs"}
    async with instance(settings, clock, **update) as (client, _ctx):
        body = storage_problem(await client.get(READY))
    assert body["checks"]["storage"].startswith(f"the bucket 'no-such-bucket-{s3_prefix}' answered HTTP 404")
    assert "portal-test-secret" not in str(body)


async def test_an_unreachable_s3_endpoint_is_not_ready_and_answers_quickly(
    settings, clock, s3_server, s3_prefix
) -> None:  # type: ignore[no-untyped-def]
    update = {
        **s3_server.settings_update(s3_prefix),
        "storage_endpoint_url": "http://127.0.0.1:1",  # nothing listens there
        "storage_timeout_seconds": 30.0,  # the uploads' timeout; the probe keeps to its own 2 s and one attempt
    }
    async with instance(settings, clock, **update) as (client, _ctx):
        started = time.monotonic()
        body = storage_problem(await client.get(READY))
        elapsed = time.monotonic() - started
    assert body["checks"]["storage"] == "the bucket 'portal-documents' is not reachable: EndpointConnectionError"
    assert "Document storage is not usable: the bucket 'portal-documents' is not reachable" in body["detail"]
    assert elapsed < 5, elapsed
