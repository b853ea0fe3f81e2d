"""A hand-written handler for a hot route's common case, beside the declared one (issue 19).

FastAPI's per-request work for a read - resolving nine dependencies, checking 24 query parameters one by one,
validating the response against its model and encoding it - costs more CPU than the database does for member
search (docs/benchmarks.md). A route of `FastPathRouter` may register a *fast handler* for its endpoint: a
coroutine that takes the request and either answers it or returns None. None hands the request to the route's
declared handler, unchanged, so every case the fast handler does not take on (a body, an API key, a query
parameter that does not validate, a caller who will be refused) is answered exactly as before, by the code the
contract and its tests describe. The declared signature stays the one source of the parameters: the fast handler
validates the query string with `query_model`, a pydantic model built from that same signature.

Parity is tested (tests/api/test_members_fast_path.py): the same requests through both handlers give the same
status, body, headers and audit rows.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any, get_args, get_origin

from fastapi import Request, Response, params
from fastapi.routing import APIRoute, APIRouter
from pydantic import BaseModel, ConfigDict, create_model

FastHandler = Callable[[Request], Awaitable[Response | None]]

_FAST: dict[Callable[..., Any], FastHandler] = {}


def fast_path(endpoint: Callable[..., Any]) -> Callable[[FastHandler], FastHandler]:
    """Registers the decorated coroutine as the fast handler of `endpoint` (a route of a `FastPathRouter`)."""

    def register(handler: FastHandler) -> FastHandler:
        _FAST[endpoint] = handler
        return handler

    return register


class FastPathRoute(APIRoute):
    """An APIRoute that first offers each request to its endpoint's fast handler, if one is registered."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        declared = super().get_route_handler()
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            fast = _FAST.get(endpoint)
            if fast is not None:
                response = await fast(request)
                if response is not None:
                    return response
            return await declared(request)

        return handler


def FastPathRouter(**kwargs: Any) -> APIRouter:
    return APIRouter(route_class=FastPathRoute, **kwargs)


def has_body(request: Request) -> bool:
    """Whether the request carries a body (the declared handler refuses one on a read: leave it to it)."""
    headers = request.headers
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers


def bearer_token(request: Request) -> str | None:
    """The bearer token of the Authorization header, as OAuth2PasswordBearer reads it; None without one."""
    value = request.headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def query_model(*sources: Callable[..., Any], name: str) -> type[BaseModel]:
    """A model of the query parameters that these callables (an endpoint, a dependency class) declare with
    `Query(...)`: the same annotations, constraints, validators and defaults, so that a query string it accepts
    reads exactly as FastAPI would read it. Unknown parameters are ignored, as FastAPI ignores them."""
    fields: dict[str, Any] = {}
    for source in sources:
        for p in inspect.signature(source, eval_str=True).parameters.values():
            annotation = p.annotation
            if get_origin(annotation) is not Annotated:
                continue
            if not any(isinstance(m, params.Query) for m in get_args(annotation)[1:]):
                continue
            fields[p.name] = (annotation, p.default if p.default is not inspect.Parameter.empty else ...)
    model: type[BaseModel] = create_model(name, __config__=ConfigDict(extra="ignore"), **fields)
    return model
