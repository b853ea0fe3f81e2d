"""The S3 document storage adapter against a real S3-protocol server (moto's, on loopback; issue 18): single PUT
or multipart by size, server-side encryption, abort at every stage, delete. The API tests are in
tests/api/test_documents_s3.py."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.adapters.storage import MIN_PART_BYTES, S3Location, S3Storage
from tests.conftest import S3Server

MIB = 1024 * 1024


@pytest.fixture
def storage(s3_server: S3Server, s3_prefix: str) -> S3Storage:
    return S3Storage(s3_server.client, S3Location.parse(f"s3://{s3_server.bucket}/{s3_prefix}"))


def keys(s3: S3Server, prefix: str) -> list[str]:
    listed = s3.client.list_objects_v2(Bucket=s3.bucket, Prefix=f"{prefix}/")
    return sorted(o["Key"] for o in listed.get("Contents", []))


def uploads(s3: S3Server, prefix: str) -> list[dict[str, Any]]:
    return list(s3.client.list_multipart_uploads(Bucket=s3.bucket, Prefix=f"{prefix}/").get("Uploads", []))


def get(s3: S3Server, key: str) -> dict[str, Any]:
    return dict(s3.client.get_object(Bucket=s3.bucket, Key=key))


async def write_in_pieces(writer, data: bytes, piece: int = 64 * 1024) -> None:  # type: ignore[no-untyped-def]
    for i in range(0, len(data), piece):
        await writer.write(data[i : i + piece])


async def test_three_parts_in_order_with_encryption(storage, s3_server, s3_prefix) -> None:
    data = bytes(range(256)) * ((2 * MIN_PART_BYTES + MIB) // 256)  # 11 MiB: parts of 5, 5 and 1 MiB
    writer = await storage.open_writer()
    await write_in_pieces(writer, data)
    [started] = uploads(s3_server, s3_prefix)  # the upload began with the first full part, not before
    assert started["Key"] == writer.object_key
    key = await writer.commit()
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert keys(s3_server, s3_prefix) == [f"{s3_prefix}/{key}"] and uploads(s3_server, s3_prefix) == []
    got = get(s3_server, f"{s3_prefix}/{key}")
    assert got["Body"].read() == data
    assert got["ServerSideEncryption"] == "AES256" and got["ETag"].endswith('-3"')
    assert await writer.commit() == key  # committing twice is harmless
    await writer.abort()  # aborting after commit does nothing
    assert keys(s3_server, s3_prefix) == [f"{s3_prefix}/{key}"]


async def test_a_file_of_exactly_one_part_is_one_part(storage, s3_server, s3_prefix) -> None:
    data = b"\7" * MIN_PART_BYTES
    writer = await storage.open_writer()
    await write_in_pieces(writer, data)
    key = await writer.commit()
    got = get(s3_server, f"{s3_prefix}/{key}")
    assert got["Body"].read() == data and got["ETag"].endswith('-1"') and got["ServerSideEncryption"] == "AES256"


async def test_a_small_file_is_a_single_put_and_no_multipart_upload(storage, s3_server, s3_prefix) -> None:
    writer = await storage.open_writer()
    await writer.write(b"%PDF-1.7\n")
    await writer.write(b"rest")
    assert uploads(s3_server, s3_prefix) == [] and keys(s3_server, s3_prefix) == []  # nothing sent yet
    key = await writer.commit()
    got = get(s3_server, f"{s3_prefix}/{key}")
    assert got["Body"].read() == b"%PDF-1.7\nrest" and got["ServerSideEncryption"] == "AES256"


async def test_abort_after_parts_leaves_no_object_and_no_upload(storage, s3_server, s3_prefix) -> None:
    writer = await storage.open_writer()
    await write_in_pieces(writer, b"x" * (MIN_PART_BYTES + 10))
    assert len(uploads(s3_server, s3_prefix)) == 1
    await writer.abort()
    await writer.abort()
    assert uploads(s3_server, s3_prefix) == [] and keys(s3_server, s3_prefix) == []
    with pytest.raises(RuntimeError):
        await writer.write(b"more")
    with pytest.raises(RuntimeError):
        await writer.commit()


async def test_abort_before_any_part_sends_nothing(storage, s3_server, s3_prefix) -> None:
    writer = await storage.open_writer()
    await writer.write(b"small")
    await writer.abort()
    assert uploads(s3_server, s3_prefix) == [] and keys(s3_server, s3_prefix) == []


async def test_a_failed_completion_aborts_the_upload(storage, s3_server, s3_prefix) -> None:
    writer = await storage.open_writer()
    await write_in_pieces(writer, b"y" * (MIN_PART_BYTES + 1))
    writer._parts[0]["ETag"] = '"00000000000000000000000000000000"'  # the store refuses to complete
    with pytest.raises(Exception, match="InvalidPart"):
        await writer.commit()
    assert uploads(s3_server, s3_prefix) == [] and keys(s3_server, s3_prefix) == []
    assert writer.key is None


async def test_delete_removes_one_object_and_ignores_a_missing_one(storage, s3_server, s3_prefix) -> None:
    names = []
    for n in range(3):
        w = await storage.open_writer()
        await w.write(bytes([n]))
        names.append(await w.commit())
    assert len(set(names)) == 3
    await storage.delete(names[0])
    await storage.delete(names[0])
    assert keys(s3_server, s3_prefix) == sorted(f"{s3_prefix}/{n}" for n in names[1:])
    with pytest.raises(ValueError):
        await storage.delete("../../etc")
