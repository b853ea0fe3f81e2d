"""Idempotency as a declaration on a route (api.md, R-ENR-18): `@idempotent()` under the route decorator.

    @router.post("/payments/{payment_id}/submit", ...)
    @idempotent()
    async def submit_payment(ctx: Ctx, principal: ProducerOrDelegate, payment_id: AppId, body: PaymentSubmit):
        ...
        return PaymentRead(...)

The declaration adds the optional `Idempotency-Key` header to the operation and runs the endpoint through
`app.services.idempotency.run_idempotent` (the rules: claim, replay, key reuse, in progress, expiry), scoped to the
endpoint's caller (its `Principal` parameter). What makes two requests "the same request" is the method, the path
(the route's template filled with the validated path parameters) and the validated JSON body parameters; a
precondition that must refuse a request before its key is claimed goes in a dependency.

The endpoint returns its answer model; the answer is sent (and stored for retries) as that model's JSON with the
route's status code. It must not set headers on an injected `Response`: a replayed answer would lack them; derive
them from the answer with `headers=`.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.context import AppContext
from app.domain.accounts import Principal
from app.services.idempotency import request_fingerprint, run_idempotent

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=100, description="Retries with the same key return the first answer"),
]

Endpoint = TypeVar("Endpoint", bound=Callable[..., Awaitable[Any]])
AnswerHeaders = Callable[[dict[str, Any]], dict[str, str]]

_KEY = "idempotency_key"
_REQUEST = "idempotency_request"


def idempotent(*, headers: AnswerHeaders | None = None) -> Callable[[Endpoint], Endpoint]:
    """Declare the route idempotent under `Idempotency-Key`; `headers` derives response headers from the answer
    (sent with the first answer and with every replay)."""

    def declare(endpoint: Endpoint) -> Endpoint:
        signature = inspect.signature(endpoint, eval_str=True)
        params = list(signature.parameters.values())
        ctx_param = _the_param(endpoint, params, AppContext)
        principal_param = _the_param(endpoint, params, Principal)
        body_params = [p.name for p in params if _is_body(p.annotation)]
        if {_KEY, _REQUEST} & set(signature.parameters):
            raise TypeError(f"{endpoint.__qualname__}: {_KEY} and {_REQUEST} are the declaration's parameters")

        @functools.wraps(endpoint)
        async def run(**kwargs: Any) -> JSONResponse:
            key: str | None = kwargs.pop(_KEY)
            request: Request = kwargs.pop(_REQUEST)
            route = request.scope["route"]
            path = route.path_format.format(**{**request.path_params, **_path_values(route, kwargs)})
            status_code = route.status_code or 200

            async def handler() -> tuple[int, dict[str, Any]]:
                return status_code, _as_json(await endpoint(**kwargs))

            code, body = await run_idempotent(
                ctx=kwargs[ctx_param],
                principal=kwargs[principal_param],
                key=key,
                method=request.method,
                path=path,
                fingerprint=request_fingerprint(path, *(_as_json(kwargs[name]) for name in body_params)),
                handler=handler,
            )
            return JSONResponse(body, status_code=code, headers=headers(body) if headers else None)

        run.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[
                *params,
                inspect.Parameter(_KEY, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=IdempotencyKeyHeader),
                inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request),
            ]
        )
        run.__idempotent__ = True  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return declare


def is_idempotent(endpoint: Callable[..., Any]) -> bool:
    """Whether a route's endpoint was declared `@idempotent()`."""
    return bool(getattr(endpoint, "__idempotent__", False))


def _the_param(endpoint: Callable[..., Any], params: list[inspect.Parameter], kind: type) -> str:
    found = [p.name for p in params if _base(p.annotation) is kind]
    if len(found) != 1:
        raise TypeError(f"{endpoint.__qualname__}: an idempotent endpoint takes one {kind.__name__} parameter")
    return found[0]


def _base(annotation: Any) -> Any:
    """The type under `Annotated[...]`."""
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


def _is_body(annotation: Any) -> bool:
    base = _base(annotation)
    if get_origin(base) in (Union, types.UnionType):
        return any(_is_body(arg) for arg in get_args(base))
    return isinstance(base, type) and issubclass(base, BaseModel)


def _path_values(route: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The validated values of the path parameters the endpoint takes (7 for `/enrollments/007/submit`)."""
    return {name: kwargs[name] for name in route.param_convertors if name in kwargs}


def _as_json(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else jsonable_encoder(value)
