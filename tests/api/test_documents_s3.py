"""Document submission into an S3-compatible bucket (issue 18), through the real multipart API endpoint.

The bucket is served by moto's S3 server on loopback (tests/conftest.py `s3_server`); every test has its own key
prefix. Each test checks the answer, the database row and the bucket: the objects under the prefix, their bytes
and encryption, and that no multipart upload is left open.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from app.adapters.storage import S3Storage
from tests.api.test_documents import DOCS, EXE, MAX, MULTIPART_TYPE, PDF, PNG, Source, rows, upload
from tests.conftest import S3Server
from tests.helpers import assert_problem

MIB = 1024 * 1024


@pytest.fixture
def settings(settings, s3_server: S3Server, s3_prefix: str, tmp_path):  # type: ignore[no-untyped-def]
    # storage_dir points at an empty folder that must stay empty: nothing goes to the local disk
    return settings.model_copy(
        update={"storage_dir": str(tmp_path / "uploads"), **s3_server.settings_update(s3_prefix)}
    )


def objects(s3: S3Server, prefix: str) -> dict[str, dict[str, Any]]:
    listed = s3.client.list_objects_v2(Bucket=s3.bucket, Prefix=f"{prefix}/")
    return {o["Key"]: o for o in listed.get("Contents", [])}


def open_multipart_uploads(s3: S3Server, prefix: str) -> list[str]:
    listed = s3.client.list_multipart_uploads(Bucket=s3.bucket, Prefix=f"{prefix}/")
    return [u["Key"] for u in listed.get("Uploads", [])]


def assert_bucket_empty(s3: S3Server, prefix: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert objects(s3, prefix) == {}
    assert open_multipart_uploads(s3, prefix) == []
    assert not (tmp_path / "uploads").exists()


async def test_a_file_larger_than_one_part_goes_to_the_bucket_encrypted(
    client, app, producer, s3_server, s3_prefix, tmp_path
) -> None:
    storage = app.state.ctx.storage
    assert isinstance(storage, S3Storage) and storage.part_bytes == 5 * MIB
    content = b"%PDF-1.7\n" + bytes(range(256)) * (6 * MIB // 256)  # 6 MiB and 9 bytes: two parts
    r = await upload(client, producer, "big.pdf", content)
    assert r.status_code == 201, r.text
    assert r.json()["size_bytes"] == len(content) and r.json()["file_name"] == "big.pdf"
    [row] = await rows(app)
    assert re.fullmatch(r"[0-9a-f]{32}", row.storage_key)
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    key = f"{s3_prefix}/{row.storage_key}"
    assert list(objects(s3_server, s3_prefix)) == [key]
    got = s3_server.client.get_object(Bucket=s3_server.bucket, Key=key)
    assert got["Body"].read() == content
    assert got["ServerSideEncryption"] == "AES256"
    assert got["ContentLength"] == len(content)
    assert re.fullmatch(r'"[0-9a-f]{32}-2"', got["ETag"])  # a multipart object of two parts
    assert open_multipart_uploads(s3_server, s3_prefix) == []
    assert not (tmp_path / "uploads").exists()  # nothing on the local disk


async def test_a_small_file_is_one_encrypted_put(client, app, producer, s3_server, s3_prefix) -> None:
    r = await upload(client, producer, "application.pdf", PDF)
    assert r.status_code == 201, r.text
    [row] = await rows(app)
    got = s3_server.client.get_object(Bucket=s3_server.bucket, Key=f"{s3_prefix}/{row.storage_key}")
    assert got["Body"].read() == PDF and got["ServerSideEncryption"] == "AES256"
    assert "-" not in got["ETag"]  # a plain PUT, no multipart upload
    assert open_multipart_uploads(s3_server, s3_prefix) == []


async def test_content_refused_after_a_part_was_sent_leaves_nothing(
    client, app, producer, s3_server, s3_prefix, tmp_path
) -> None:
    content = EXE + b"\0" * (6 * MIB)  # an executable: refused once the whole file has streamed
    body = assert_problem(await upload(client, producer, "big.pdf", content), 422, "document.file_type_not_allowed")
    assert body["errors"][0]["field"] == "file"
    assert await rows(app) == []
    assert_bucket_empty(s3_server, s3_prefix, tmp_path)  # the multipart upload (one part sent) was aborted


async def test_over_the_cap_mid_stream_leaves_nothing(client, app, producer, s3_server, s3_prefix, tmp_path) -> None:
    source = Source(MAX + 2 * MIB)  # chunked: the cap is found only after two parts went to the bucket
    r = await client.post(DOCS, headers={**producer, "Content-Type": MULTIPART_TYPE}, content=source)
    assert_problem(r, 413, "document.too_large")
    assert source.pulled < source.chunks()
    assert await rows(app) == []
    assert_bucket_empty(s3_server, s3_prefix, tmp_path)


async def test_an_account_outside_the_book_leaves_nothing(
    client, app, producer, s3_server, s3_prefix, tmp_path
) -> None:
    content = b"%PDF-1.7\n" + b"\1" * (6 * MIB)
    r = await upload(client, producer, "big.pdf", content, account_number="99999999")
    assert_problem(r, 422, "document.account_not_in_book")
    assert await rows(app) == []
    assert_bucket_empty(s3_server, s3_prefix, tmp_path)


async def test_storage_delete_removes_the_object(client, app, producer, s3_server, s3_prefix) -> None:
    await upload(client, producer, "card.png", PNG)
    await upload(client, producer, "application.pdf", PDF)
    first, second = await rows(app)
    await app.state.ctx.storage.delete(first.storage_key)
    await app.state.ctx.storage.delete(first.storage_key)  # already gone: fine
    assert list(objects(s3_server, s3_prefix)) == [f"{s3_prefix}/{second.storage_key}"]
