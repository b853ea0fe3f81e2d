"""The local-folder document storage: temporary file while streaming, generated names, abort and delete."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from app.adapters.storage import FLUSH_BYTES, LocalFolderStorage


def files(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


async def test_commit_moves_the_temporary_file_to_a_generated_name(tmp_path: Path) -> None:
    root = tmp_path / "not" / "yet" / "there"
    storage = LocalFolderStorage(root)
    writer = await storage.open_writer()
    assert root.is_dir()  # created on demand
    [temp] = files(root)
    assert temp.startswith(".upload-") and temp.endswith(".part")
    data = b"%PDF-" + bytes(range(256)) * (FLUSH_BYTES // 256 + 7)
    for i in range(0, len(data), 10_000):
        await writer.write(data[i : i + 10_000])
    key = await writer.commit()
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert files(root) == [key]  # no extension, no temporary file left
    assert (root / key).read_bytes() == data
    assert stat.S_IMODE((root / key).stat().st_mode) == 0o600
    assert await writer.commit() == key  # committing twice is harmless
    await writer.abort()  # aborting after commit does nothing
    assert storage.path_of(key).exists()


async def test_abort_removes_the_temporary_file(tmp_path: Path) -> None:
    storage = LocalFolderStorage(tmp_path)
    writer = await storage.open_writer()
    await writer.write(b"x" * (FLUSH_BYTES + 1))
    await writer.abort()
    await writer.abort()
    assert files(tmp_path) == []
    with pytest.raises(RuntimeError):
        await writer.write(b"more")


async def test_names_never_repeat_and_delete_removes_one(tmp_path: Path) -> None:
    storage = LocalFolderStorage(tmp_path)
    keys = []
    for n in range(3):
        w = await storage.open_writer()
        await w.write(bytes([n]))
        keys.append(await w.commit())
    assert len(set(keys)) == 3
    await storage.delete(keys[0])
    await storage.delete(keys[0])  # already gone: fine
    assert files(tmp_path) == sorted(keys[1:])


@pytest.mark.parametrize("key", ["../etc/passwd", "abc", "A" * 32, ".upload-x.part"])
async def test_only_generated_names_can_be_addressed(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError):
        await LocalFolderStorage(tmp_path).delete(key)
