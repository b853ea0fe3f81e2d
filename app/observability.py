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
    handler.setFormatter(JsonFormatter() if json_output else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter("portal_http_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram(
            "portal_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
            buckets=(0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )


class BodyTooLarge(Exception):
    pass


class RequestMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int,
                 body_limit_exempt: Iterable[str] = ()) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes
        self.exempt = tuple(body_limit_exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status_holder = {"status": 500, "started": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        limited_receive = receive
        path: str = scope.get("path", "")
        if not (self.exempt and path.startswith(self.exempt)):
            declared = dict(scope.get("headers") or []).get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body:
                await self._respond(scope, receive, send_wrapper, 413, "content_too_large",
                                    f"The request body is larger than {self.max_body} bytes.")
                self._observe(scope, status_holder["status"], start, request_id)
                return
            seen = 0

            async def limited_receive() -> Message:
                nonlocal seen
                message = await receive()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > self.max_body:
                        raise BodyTooLarge
                return message

        try:
            await self.app(scope, limited_receive, send_wrapper)
        except BodyTooLarge:
            if not status_holder["started"]:
                await self._respond(scope, receive, send_wrapper, 413, "content_too_large",
                                    f"The request body is larger than {self.max_body} bytes.")
        except Exception as exc:  # last-resort net: a problem document, never a traceback
            if status_holder["started"]:
                raise
            response = await unhandled_error(Request(scope), exc)
            await response(scope, receive, send_wrapper)
        finally:
            self._observe(scope, status_holder["status"], start, request_id)

    async def _respond(self, scope: Scope, receive: Receive, send: Send, status: int, code: str, detail: str) -> None:
        response = problem_response(Request(scope), status=status, code=code, detail=detail)
        await response(scope, receive, send)

    def _observe(self, scope: Scope, status: int, start: float, request_id: str) -> None:
        elapsed = time.perf_counter() - start
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        self.metrics.requests.labels(method, template, str(status)).inc()
        self.metrics.latency.labels(method, template).observe(elapsed)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info("request", extra={"request_id": request_id, "method": method, "route": template,
                                              "status": status, "duration_ms": round(elapsed * 1000, 2)})
