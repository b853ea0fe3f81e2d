"""Request ids, structured JSON logs, Prometheus metrics, body-size cap and the last-resort error net.

A pure ASGI middleware (no per-request task or body buffering). Logs carry method, route template,
status and duration, never query strings or bodies (they can hold PHI).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import inputs
from app.errors import problem_response, unhandled_error

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("portal.access")


class JsonFormatter(logging.Formatter):
    SKIP = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in self.SKIP and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(level: str = "INFO", json_output: bool = True) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter() if json_output else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "portal_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "portal_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=(0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )


class BodyTooLarge(Exception):
    pass


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_NO_STORE = (b"cache-control", b"no-store")


class RequestMiddleware:
    """Request id, body cap, input hygiene, security headers, metrics and access log: once for every route.

    Bodies of non-upload routes (at most `max_body_bytes`, JSON or form) are read here in full, so the cap holds
    for chunked bodies too (413, never a 400 from deep inside the framework), and their strings are checked for
    control characters and their nesting depth (app/inputs.py) before any route runs. Uploads are streamed by
    their route, which enforces its own cap (R-DOC-1).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        max_body_bytes: int,
        body_limit_exempt: Iterable[str] = (),
        max_json_depth: int = 32,
        hsts_max_age_seconds: int | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes
        self.exempt = tuple(body_limit_exempt)
        self.max_json_depth = max_json_depth
        self.hsts = (
            None
            if hsts_max_age_seconds is None
            else (b"strict-transport-security", f"max-age={hsts_max_age_seconds}; includeSubDomains".encode())
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        raw_headers = scope.get("headers") or []
        headers = dict(raw_headers)
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status_holder = {"status": 500, "started": False}
        path: str = scope.get("path", "")
        extra_headers = [_NOSNIFF, (b"x-request-id", request_id.encode())]
        if path.startswith("/api/"):
            extra_headers.append(_NO_STORE)  # tokens, PHI, PDFs and exports are never kept by a browser or proxy
        if self.hsts is not None:
            extra_headers.append(self.hsts)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                out = (
                    [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                    if path.startswith("/api/")
                    else list(message.get("headers", []))
                )
                out.extend(extra_headers)
                message = {**message, "headers": out}
            await send(message)

        try:
            problem = inputs.check_path(path) or inputs.check_query(scope.get("query_string", b""))
            body_receive = receive
            if (
                problem is None
                and scope.get("method") in _BODY_METHODS
                and not (self.exempt and path.startswith(self.exempt))
                and (headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers)
            ):
                declared = headers.get(b"content-length")
                if declared is not None and declared.isdigit() and int(declared) > self.max_body:
                    raise BodyTooLarge
                body = await self._read_body(receive)
                problem = self._check_body(headers.get(b"content-type", b""), body)
                body_receive = _replay(body, receive)
            if problem is not None:
                await self._respond(
                    scope,
                    receive,
                    send_wrapper,
                    422,
                    "validation_failed",
                    f"{problem.field}: {problem.message}",
                    errors=[{"field": problem.field, "code": problem.code, "message": problem.message}],
                )
                return
            await self.app(scope, body_receive, send_wrapper)
        except BodyTooLarge:
            if not status_holder["started"]:
                await self._respond(
                    scope,
                    receive,
                    send_wrapper,
                    413,
                    "content_too_large",
                    f"The request body is larger than {self.max_body} bytes.",
                )
        except Exception as exc:  # last-resort net: a problem document, never a traceback
            if status_holder["started"]:
                raise
            response = await unhandled_error(Request(scope), exc)
            await response(scope, receive, send_wrapper)
        finally:
            self._observe(scope, status_holder["status"], start, request_id)

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _check_body(self, content_type: bytes, body: bytes) -> inputs.InputProblem | None:
        kind = content_type.split(b";", 1)[0].strip().lower()
        if kind == b"application/x-www-form-urlencoded":
            return inputs.check_form(body)
        return inputs.check_json(body, max_depth=self.max_json_depth)

    async def _respond(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        code: str,
        detail: str,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        response = problem_response(Request(scope), status=status, code=code, detail=detail, errors=errors)
        await response(scope, receive, send)

    def _observe(self, scope: Scope, status: int, start: float, request_id: str) -> None:
        elapsed = time.perf_counter() - start
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        self.metrics.requests.labels(method, template, str(status)).inc()
        self.metrics.latency.labels(method, template).observe(elapsed)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": method,
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read by the middleware, handed to the route once; then the client's own messages (disconnect)."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
