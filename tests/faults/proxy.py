"""A small TCP proxy to take "the database" away from a running server without touching PostgreSQL itself.

It runs its own event loop in a thread, so it keeps forwarding whatever the test does meanwhile (blocking
calls included). `down()` closes every proxied connection (both sides, so PostgreSQL rolls back whatever
they had open) and stops listening, so new connections are refused at once; `up()` listens again on the
same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int, *, host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.host = host
        self.port = 0
        self.accepted = 0  # connections accepted while up, in all
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    # --- called from the test's thread -------------------------------------------------------------------

    def start(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def down(self) -> int:
        """Refuse new connections and cut the open ones; returns how many connections were cut."""
        return int(self._call(self._down()))

    def up(self) -> None:
        self._call(self._listen())

    @property
    def open_connections(self) -> int:
        return len(self._writers) // 2

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self._down())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    # --- on the proxy's loop -----------------------------------------------------------------------------

    async def _listen(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._accept, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _down(self) -> int:
        if self._server is not None:
            self._server.close()  # the listening socket goes: connecting now gets "connection refused"
            self._server = None
        cut = len(self._writers) // 2
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        self._writers.clear()
        return cut

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self._server is None:  # accepted just before going down
            client_writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.transport.abort()
            return
        self.accepted += 1
        self._writers.update((client_writer, up_writer))
        pair = (
            asyncio.ensure_future(self._pipe(client_reader, up_writer)),
            asyncio.ensure_future(self._pipe(up_reader, client_writer)),
        )
        self._pipes.update(pair)
        try:
            await asyncio.wait(pair, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pair:
                task.cancel()
            for writer in (client_writer, up_writer):
                writer.transport.abort()
                self._writers.discard(writer)
            self._pipes.difference_update(pair)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
