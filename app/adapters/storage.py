"""Document storage port and its local-folder adapter (R-DOC-1, quality.md "Uploads").

An upload is written through a writer while it streams in (a temporary file next to the final ones), then
committed under a generated name (uuid4, no extension) or aborted. Nothing here is ever served over HTTP:
the folder is outside any served path and no route reads a document back (R-DOC-4). An object store can
replace the folder by implementing the same two protocols.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import BinaryIO, Protocol

import anyio.to_thread

TEMP_PREFIX = ".upload-"
TEMP_SUFFIX = ".part"
KEY_RE = re.compile(r"^[0-9a-f]{32}$")
FLUSH_BYTES = 1024 * 1024  # writes leave the event loop in pieces of about this size


class UploadWriter(Protocol):
    """One file being received. `commit` or `abort` ends it; `abort` after `commit` does nothing."""

    async def write(self, data: bytes) -> None: ...

    async def commit(self) -> str: ...

    async def abort(self) -> None: ...


class DocumentStorage(Protocol):
    async def open_writer(self) -> UploadWriter: ...

    async def delete(self, key: str) -> None: ...


class LocalUploadWriter:
    def __init__(self, root: Path, temp: Path, fh: BinaryIO) -> None:
        self._root = root
        self._temp = temp
        self._fh: BinaryIO | None = fh
        self._buffer = bytearray()
        self.key: str | None = None

    async def write(self, data: bytes) -> None:
        if self._fh is None:
            raise RuntimeError("this upload is already finished")
        self._buffer += data
        if len(self._buffer) >= FLUSH_BYTES:
            await self._flush()

    async def _flush(self) -> None:
        if self._buffer and self._fh is not None:
            await anyio.to_thread.run_sync(self._fh.write, self._buffer)
            self._buffer.clear()

    async def commit(self) -> str:
        """Durably move the temporary file to its generated name; returns that name (the storage key)."""
        if self.key is not None:
            return self.key
        if self._fh is None:
            raise RuntimeError("this upload was aborted")
        await self._flush()
        fh, self._fh = self._fh, None
        key = uuid.uuid4().hex
        final = self._root / key

        def finish() -> None:
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            os.replace(self._temp, final)

        await anyio.to_thread.run_sync(finish)
        self.key = key
        return key

    async def abort(self) -> None:
        """Drop a file that was not committed (too large, rejected, replayed, failed)."""
        if self.key is not None:
            return
        fh, self._fh = self._fh, None
        self._buffer.clear()

        def drop() -> None:
            if fh is not None:
                fh.close()
            self._temp.unlink(missing_ok=True)

        await anyio.to_thread.run_sync(drop)


class LocalFolderStorage:
    """Files in one folder (created if missing), named by uuid4 with no extension."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        if not KEY_RE.match(key):
            raise ValueError("not a storage key")
        return self.root / key

    async def open_writer(self) -> LocalUploadWriter:
        temp = self.root / f"{TEMP_PREFIX}{uuid.uuid4().hex}{TEMP_SUFFIX}"

        def create() -> BinaryIO:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            return os.fdopen(fd, "wb")

        fh = await anyio.to_thread.run_sync(create)
        return LocalUploadWriter(self.root, temp, fh)

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))
