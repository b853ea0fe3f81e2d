"""Page-numbered lists: the `page` and `page_size` query parameters, and the RFC 8288 `Link` header beside the body.

Every paged route takes `paging: PageParams`, declares `responses=PAGED_RESPONSES` (the `Link` header of its 200)
and answers with `paging.of(items, total)`, which also writes the header. A route that builds a richer page itself
(reports) calls `paging.link(total)`. The links are the request's own path and query with `page` changed, every
other parameter (filters, sort, page_size) kept: path-absolute references, resolved against the request URL as
`Location` is, so they hold behind a proxy whatever Host or scheme it forwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from starlette.datastructures import URL

from app.deps import without_threadpool
from app.schemas.common import Page

T = TypeVar("T")

LINK_HEADER: dict[str, Any] = {
    "Link": {
        "description": "RFC 8288 links to the neighbouring pages of this list: `first` and `prev` unless this is the "
        "first page, `next` and `last` unless it is the last one (absent when the list is empty). Each is this "
        "request's path and query with `page` changed.",
        "schema": {"type": "string"},
        "example": '</api/v1/prospects?page_size=25&city=Chicago&page=1>; rel="first", '
        '</api/v1/prospects?page_size=25&city=Chicago&page=1>; rel="prev", '
        '</api/v1/prospects?page_size=25&city=Chicago&page=3>; rel="next", '
        '</api/v1/prospects?page_size=25&city=Chicago&page=4>; rel="last"',
    }
}
# `responses=` of a paged route (merge with its error responses: `{**error_responses(...), **PAGED_RESPONSES}`)
PAGED_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"headers": LINK_HEADER}}


def page_links(url: URL, *, page: int, page_size: int, total: int) -> str | None:
    """The `Link` header value for page `page` of `total` rows, `page_size` a page; None when there is no other page."""
    last = max(1, -(-total // page_size))
    rels: list[tuple[str, int]] = []
    if page > 1:
        rels += [("first", 1), ("prev", min(page - 1, last))]
    if page < last:
        rels += [("next", page + 1), ("last", last)]
    if not rels:
        return None
    return ", ".join(f'<{_page_url(url, number)}>; rel="{rel}"' for rel, number in rels)


def _page_url(url: URL, page: int) -> str:
    changed = url.include_query_params(page=page)  # keeps every other parameter, repeated ones too
    return f"{changed.path}?{changed.query}"


class Paging:
    """`page` and `page_size`, and the answer's `Link` header."""

    def __init__(
        self,
        request: Request,
        response: Response,
        page: Annotated[int, Query(ge=1, le=100_000, description="1-based page number")] = 1,
        page_size: Annotated[int, Query(ge=1, le=200, description="Rows per page (max 200)")] = 25,
    ) -> None:
        self.page = page
        self.page_size = page_size
        self._url = request.url
        self._response = response

    def link(self, total: int) -> None:
        """Writes the `Link` header of this page of `total` rows (none when there is no other page)."""
        value = page_links(self._url, page=self.page, page_size=self.page_size, total=total)
        if value is not None:
            self._response.headers["Link"] = value

    def of(self, items: Sequence[T], total: int) -> Page[T]:
        """The page answer, its `Link` header written."""
        self.link(total)
        return Page(items=list(items), total=total, page=self.page, page_size=self.page_size)


PageParams = Annotated[Paging, Depends(without_threadpool(Paging))]
