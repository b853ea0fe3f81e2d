"""RFC 8288 `Link` headers on page-numbered lists (issue 16): `first`/`prev` and `next`/`last` beside the body, built
from the request's own path and query with `page` changed."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.datastructures import URL

from app.routers.paging import page_links
from tests.api.test_reports import NOV, rita, run, seven  # noqa: F401 - fixtures
from tests.helpers import assert_problem

PROSPECTS = "/api/v1/prospects"
LINK_RE = re.compile(r'<([^>]*)>;\s*rel="([^"]+)"')


def links(response: httpx.Response) -> dict[str, str]:
    """rel -> target of the response's Link header ({} without one)."""
    value = response.headers.get("link")
    if value is None:
        return {}
    found = {rel: target for target, rel in LINK_RE.findall(value)}
    assert ", ".join(f'<{t}>; rel="{r}"' for r, t in found.items()) == value, value  # nothing else in it
    return found


def query(target: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(target).query)


async def test_a_three_page_list_links_its_neighbours_and_keeps_the_filters(client, producer) -> None:
    for i in range(5):
        r = await client.post(
            PROSPECTS,
            json={
                "first_name": "Lena",
                "last_name": f"Linker{i}",
                "city": "Linkton",
                "state": "IL",
                "zip_code": "60601",
            },
            headers=producer,
        )
        assert r.status_code == 201, r.text
    for i in range(2):
        r = await client.post(
            PROSPECTS,
            json={
                "first_name": "Lena",
                "last_name": f"Other{i}",
                "city": "Elsewhere",
                "state": "IL",
                "zip_code": "60601",
            },
            headers=producer,
        )
        assert r.status_code == 201, r.text
    params = {"city": "Linkton", "page_size": 2, "sort": "-last_name"}

    pages = [await client.get(PROSPECTS, params={**params, "page": n}, headers=producer) for n in (1, 2, 3)]
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert [set(links(p)) for p in pages] == [
        {"next", "last"},
        {"first", "prev", "next", "last"},
        {"first", "prev"},
    ]
    expected = {"city": ["Linkton"], "page_size": ["2"], "sort": ["-last_name"]}
    for page in pages:
        for target in links(page).values():
            assert target.startswith(PROSPECTS + "?")
            assert {k: v for k, v in query(target).items() if k != "page"} == expected  # filters, size and order kept
    assert query(links(pages[0])["next"])["page"] == ["2"] and query(links(pages[0])["last"])["page"] == ["3"]
    assert query(links(pages[1])["prev"])["page"] == ["1"] and query(links(pages[1])["next"])["page"] == ["3"]
    assert query(links(pages[2])["prev"])["page"] == ["2"] and query(links(pages[2])["first"])["page"] == ["1"]

    # Following `next` from the first page walks every row once, in order, as the body's page numbers do
    walked: list[str] = []
    response = await client.get(PROSPECTS, params=params, headers=producer)  # no `page`: the first
    assert links(response)["next"] == f"{PROSPECTS}?city=Linkton&page_size=2&sort=-last_name&page=2"
    while True:
        walked += [item["last_name"] for item in response.json()["items"]]
        if "next" not in links(response):
            break
        response = await client.get(links(response)["next"], headers=producer)
        assert response.status_code == 200
    assert walked == [f"Linker{i}" for i in (4, 3, 2, 1, 0)]

    # Beyond the last page: back to the last one; one page or none: no header at all
    beyond = await client.get(PROSPECTS, params={**params, "page": 9}, headers=producer)
    assert beyond.json()["items"] == [] and query(links(beyond)["prev"])["page"] == ["3"]
    assert "link" not in (await client.get(PROSPECTS, params={**params, "page_size": 5}, headers=producer)).headers
    assert "link" not in (await client.get(PROSPECTS, params={"city": "Nowhere"}, headers=producer)).headers
    # A refused request carries none either
    r = await client.get(PROSPECTS, params={"page_size": 500}, headers=producer)
    assert_problem(r, 422)
    assert "link" not in r.headers


async def test_reports_link_numbered_pages_but_not_cursor_pages(client, rita, seven) -> None:  # noqa: F811
    url = "/api/v1/reports/coverage_effective_date"
    first = await client.get(url, params={**NOV, "page_size": 3, "policy_status": "all"}, headers=rita.headers)
    assert first.status_code == 200 and first.json()["total"] == 7
    assert set(links(first)) == {"next", "last"}
    assert query(links(first)["next"]) == {
        "date_from": [NOV["date_from"]],
        "date_to": [NOV["date_to"]],
        "page_size": ["3"],
        "policy_status": ["all"],
        "page": ["2"],
    }
    second = await client.get(links(first)["next"], headers=rita.headers)
    assert second.json()["page"] == 2 and set(links(second)) == {"first", "prev", "next", "last"}
    # `after` seeks by cursor: its pages are not numbered, so there is nothing to link by page
    cursor = first.json()["next_after"]
    sought = await client.get(url, params={**NOV, "page_size": 3, "after": cursor}, headers=rita.headers)
    assert sought.status_code == 200 and "link" not in sought.headers
    # Files carry none
    export = await client.get(url, params={**NOV, "page_size": 3, "format": "csv"}, headers=rita.headers)
    assert export.status_code == 200 and "link" not in export.headers


async def test_every_paged_operation_declares_the_link_header(app) -> None:
    spec = app.openapi()
    paged = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", [])}
            if "page_size" in names:
                paged.append((method, path))
                assert "page" in names
                headers = operation["responses"]["200"].get("headers", {})
                assert "Link" in headers and headers["Link"]["schema"] == {"type": "string"}, (method, path)
            else:
                assert "Link" not in operation["responses"].get("200", {}).get("headers", {}), (method, path)
    assert len(paged) >= 20


async def test_every_paged_list_sends_next_when_there_is_more(app, client, producer, admin) -> None:
    """Every paged GET without required parameters, asked for one row a page: a next link whenever total > 1."""
    checked = []
    for path, operations in app.openapi()["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        parameters = operation.get("parameters", [])
        if "page_size" not in {p["name"] for p in parameters} or any(p.get("required") for p in parameters):
            continue
        r = await client.get(path, params={"page_size": 1}, headers=producer)
        if r.status_code == 403:
            r = await client.get(path, params={"page_size": 1}, headers=admin)
        if r.status_code != 200:
            continue  # e.g. the member search needs a criterion
        body: dict[str, Any] = r.json()
        if body["total"] > 1:
            checked.append(path)
            assert query(links(r)["next"]) == {"page_size": ["1"], "page": ["2"]}, path
            assert query(links(r)["last"])["page"] == [str(body["total"])], path
        else:
            assert "link" not in r.headers, path
    assert len(checked) >= 6, checked


def test_page_links_edge_cases() -> None:
    url = URL("http://testserver/api/v1/plans?state=IL&ids=1&ids=2&page=4&page_size=10")

    def rels(page: int, total: int, size: int = 10) -> dict[str, str]:
        value = page_links(url, page=page, page_size=size, total=total)
        return {} if value is None else {rel: target for target, rel in LINK_RE.findall(value)}

    assert rels(1, 0) == {} and rels(1, 10) == {}  # an empty list, a single page
    assert rels(1, 11) == {
        "next": "/api/v1/plans?state=IL&ids=1&ids=2&page_size=10&page=2",  # repeated parameters kept
        "last": "/api/v1/plans?state=IL&ids=1&ids=2&page_size=10&page=2",
    }
    assert set(rels(2, 11)) == {"first", "prev"}
    assert query(rels(7, 11)["prev"])["page"] == ["2"]  # beyond the end: back to the last page
    assert query(rels(3, 100, 25)["last"])["page"] == ["4"] and query(rels(3, 101, 25)["last"])["page"] == ["5"]
