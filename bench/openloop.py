"""Open-loop HTTP load: requests leave on a fixed schedule and are timed from their *intended* send time.

A closed-loop tool (wrk) slows down when the server does, so its latencies hide queueing ("coordinated
omission"). Here request i is due at start + i / rate whatever happened before; when every connection is busy
it waits for one, and that wait counts. Output: one JSON line with the rate achieved, p50/p90/p99/max in ms
and the errors (status not in the expected set, or a transport failure).

    python -m bench.openloop --url http://127.0.0.1:8801 --rate 500 --duration 10 --requests reqs.jsonl

`reqs.jsonl`: one request per line, `{"method": "GET", "path": "/api/v1/...", "headers": {...}, "body": "..."}`
(body a string; optional "expect": [200, 201]); the lines are used round-robin.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Request:
    raw: bytes
    expect: frozenset[int]
    label: str


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    by_status: dict[int, list[float]] = field(default_factory=dict)

    def add(self, label: str, ms: float, ok: bool, status: int) -> None:
        self.latencies.setdefault(label, []).append(ms)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.by_status.setdefault(status, []).append(ms)
        if not ok:
            self.errors[label] = self.errors.get(label, 0) + 1


def build(entry: dict[str, Any], host: str) -> Request:
    body = entry.get("body")
    data = body.encode() if isinstance(body, str) else b""
    headers = {"Host": host, "Connection": "keep-alive", **entry.get("headers", {})}
    if data or entry["method"] in ("POST", "PUT", "PATCH"):
        headers["Content-Length"] = str(len(data))
    head = f"{entry['method']} {entry['path']} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return Request(head.encode() + b"\r\n" + data, frozenset(entry.get("expect", [200])), entry.get("label", "all"))


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, raw: bytes) -> tuple[int, bool]:
        """Send one request, read one response; (status, keep-alive)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        return status, headers.get("connection", "").lower() != "close"

    def close(self) -> None:
        self.writer.close()


async def run(url: str, requests: list[Request], rate: float, duration: float, connections: int,
              timeout: float) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    idle: list[Connection] = []
    slots = asyncio.Semaphore(connections)
    results = Results()
    total = int(rate * duration)
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05

    async def one(i: int, due: float) -> None:
        req = requests[i % len(requests)]
        async with slots:
            status, ok = 0, False
            # A kept-alive connection the server has since closed (uvicorn's keep-alive timeout) fails before any
            # answer: like any HTTP client, retry once on a new connection (the time still counts).
            for attempt in range(2):
                conn = idle.pop() if idle and attempt == 0 else None
                reused = conn is not None
                try:
                    if conn is None:
                        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
                        conn = Connection(reader, writer)
                    status, keep = await asyncio.wait_for(conn.exchange(req.raw), timeout)
                    ok = status in req.expect
                    if keep:
                        idle.append(conn)
                    else:
                        conn.close()
                    break
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    if conn is not None:
                        conn.close()
                    if not (reused and isinstance(exc, (OSError, asyncio.IncompleteReadError))):
                        break
            results.add(req.label, (loop.time() - due) * 1000.0, ok, status)

    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(i, due)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    for c in idle:
        c.close()
    return summarise(results, total, elapsed, rate)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(q * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def summarise(results: Results, total: int, elapsed: float, rate: float) -> dict[str, Any]:
    every = sorted(v for values in results.latencies.values() for v in values)
    out: dict[str, Any] = {
        "requests": total, "target_rate": rate, "achieved_rate": round(total / elapsed, 1) if elapsed else 0.0,
        "p50": round(percentile(every, 0.50), 2), "p90": round(percentile(every, 0.90), 2),
        "p99": round(percentile(every, 0.99), 2), "max": round(every[-1], 2) if every else None,
        "errors": sum(results.errors.values()), "statuses": {str(k): v for k, v in sorted(results.statuses.items())},
    }
    if len(results.by_status) > 1:
        out["by_status"] = {}
        for status, values in sorted(results.by_status.items()):
            values.sort()
            out["by_status"][str(status)] = {"n": len(values), "p50": round(percentile(values, 0.5), 2),
                                             "p99": round(percentile(values, 0.99), 2)}
    if len(results.latencies) > 1:
        out["by_label"] = {}
        for label, values in results.latencies.items():
            values.sort()
            out["by_label"][label] = {"n": len(values), "p50": round(percentile(values, 0.5), 2),
                                      "p99": round(percentile(values, 0.99), 2),
                                      "errors": results.errors.get(label, 0)}
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--requests", required=True, help="JSON lines file of requests")
    ap.add_argument("--rate", type=float, required=True, help="requests per second")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds")
    ap.add_argument("--connections", type=int, default=128, help="most connections open at once")
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args(argv)
    with open(args.requests, encoding="utf-8") as fh:
        host = urlsplit(args.url).netloc
        requests = [build(json.loads(line), host) for line in fh if line.strip()]
    try:
        import uvloop
        loop_factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        loop_factory = asyncio.new_event_loop
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        result = runner.run(run(args.url, requests, args.rate, args.duration, args.connections, args.timeout))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
