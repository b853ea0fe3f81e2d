"""Idempotency as a declaration on a route (api.md, R-ENR-18): `@idempotent()` under the route decorator.

    @router.post("/payments/{payment_id}/submit", ...)
    @idempotent()
    async def submit_payment(ctx: Ctx, principal: ProducerOrDelegate, payment_id: AppId, body: PaymentSubmit):
        ...
        return PaymentRead(...)

The declaration adds the optional `Idempotency-Key` header to the operation and runs the endpoint through
`app.services.idempotency.run_idempotent` (the rules: claim, replay, key reuse, in progress, expiry), scoped to the
endpoint's caller (its `Principal` parameter).

What makes two requests "the same request": the method, the path (the route's template filled with the validated
path parameters) and, by default, the validated JSON body parameters. `fingerprint=` says it for a route whose
request is not (only) a JSON body: a function of some of the endpoint's parameters, called with their validated
values under the same names, returning the parts to hash (`request_fingerprint`), e.g. the digest of an uploaded
file. A precondition that must refuse a request before its key is claimed goes in a dependency (a request body that
the route parses itself, too: the dependency reads it once and hands the endpoint what it found).

The endpoint returns its answer model; the answer is sent (and stored for retries) as that model's JSON with the
route's status code, or with the status it chooses at run time when it returns `Answer(status_code, model)`. A
replayed answer is sent as the route's response model reads the stored JSON. The endpoint must not set headers on
an injected `Response`: a replayed answer would lack them; derive them from the answer with `headers=`.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter

from app.context import AppContext
from app.domain.accounts import Principal
from app.services.idempotency import request_fingerprint, run_idempotent

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=100, description="Retries with the same key return the first answer"),
]

Endpoint = TypeVar("Endpoint", bound=Callable[..., Awaitable[Any]])
Model = TypeVar("Model", bound=BaseModel)
AnswerHeaders = Callable[[dict[str, Any]], dict[str, str]]
Fingerprint = Callable[..., Sequence[object]]

_KEY = "idempotency_key"
_REQUEST = "idempotency_request"


@dataclass(frozen=True)
class Answer(Generic[Model]):
    """An idempotent endpoint's answer with the status code it chose at run time (201 started, 200 resumed...),
    instead of the route's declared one; a replay answers with the same status."""

    status_code: int
    body: Model


def idempotent(
    *, fingerprint: Fingerprint | None = None, headers: AnswerHeaders | None = None
) -> Callable[[Endpoint], Endpoint]:
    """Declare the route idempotent under `Idempotency-Key`. `fingerprint` gives the parts of the request that make
    two requests the same (default: the path and the JSON body parameters); `headers` derives response headers from
    the answer (sent with the first answer and with every replay)."""

    def declare(endpoint: Endpoint) -> Endpoint:
        signature = inspect.signature(endpoint, eval_str=True)
        params = list(signature.parameters.values())
        ctx_param = _the_param(endpoint, params, AppContext)
        principal_param = _the_param(endpoint, params, Principal)
        body_params = [p.name for p in params if _is_body(p.annotation)]
        if {_KEY, _REQUEST} & set(signature.parameters):
            raise TypeError(f"{endpoint.__qualname__}: {_KEY} and {_REQUEST} are the declaration's parameters")
        fingerprint_params = list(inspect.signature(fingerprint).parameters) if fingerprint else []
        if unknown := set(fingerprint_params) - set(signature.parameters):
            raise TypeError(f"{endpoint.__qualname__}: its fingerprint takes {sorted(unknown)}, not parameters of it")

        @functools.wraps(endpoint)
        async def run(**kwargs: Any) -> JSONResponse:
            key: str | None = kwargs.pop(_KEY)
            request: Request = kwargs.pop(_REQUEST)
            route = request.scope["route"]
            path = route.path_format.format(**{**request.path_params, **_path_values(route, kwargs)})
            if fingerprint is None:
                parts: Sequence[object] = (path, *(_as_json(kwargs[name]) for name in body_params))
            else:
                parts = fingerprint(**{name: kwargs[name] for name in fingerprint_params})
            ran = False

            async def handler() -> tuple[int, dict[str, Any]]:
                nonlocal ran
                ran = True
                answer = await endpoint(**kwargs)
                if isinstance(answer, Answer):
                    return answer.status_code, _as_json(answer.body)
                return route.status_code or 200, _as_json(answer)

            code, body = await run_idempotent(
                ctx=kwargs[ctx_param],
                principal=kwargs[principal_param],
                key=key,
                method=request.method,
                path=path,
                fingerprint=request_fingerprint(*parts),
                handler=handler,
            )
            if not ran and route.response_model is not None:
                body = _replayed(route.response_model, body)
            return JSONResponse(body, status_code=code, headers=headers(body) if headers else None)

        returns = signature.return_annotation
        run.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[
                *params,
                inspect.Parameter(_KEY, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=IdempotencyKeyHeader),
                inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request),
            ],
            # The route's response model: an `Answer[Model]` is sent as its Model.
            return_annotation=get_args(returns)[0] if get_origin(returns) is Answer else returns,
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


@functools.cache
def _reader(response_model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(response_model)


def _replayed(response_model: Any, body: dict[str, Any]) -> Any:
    """A stored answer as the route's response model sends it: the JSON it stored itself, unchanged; an answer
    stored before the route declared its idempotency (its service's dict), as the route then sent it."""
    return _as_json(_reader(response_model).validate_python(body))
