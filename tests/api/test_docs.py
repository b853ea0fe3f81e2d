"""Self-hosted Swagger UI and ReDoc (issue 16): the pages name no other host, their assets are served by the app
from the pinned package, each page carries a strict Content-Security-Policy, and with docs off nothing is there."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest

from app.docs import ASSETS_PATH, REDOC_JS, REDOC_VERSION, SWAGGER_JS, SWAGGER_UI_VERSION
from app.main import create_app

PAGES = ("/docs", "/redoc", "/docs/oauth2-redirect")
CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


class _Refs(HTMLParser):
    """Every src= and href= of a page, and the attributes of its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.inline_scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.refs += [value or "" for name, value in attrs if name in ("src", "href")]
        if tag == "script" and "src" not in found:
            self.inline_scripts.append(found)


def _parse(html: str) -> _Refs:
    parser = _Refs()
    parser.feed(html)
    return parser


def _directives(csp: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in csp.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_pages_reference_only_their_own_origin(client, path) -> None:
    r = await client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = _parse(r.text)
    assert page.refs, "the page loads its assets"
    for ref in page.refs:
        assert ref.startswith("/") and not ref.startswith("//"), f"{ref} is not on this origin"
    # No host at all in the HTML: no CDN, no Google Fonts, no third-party favicon.
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}", r.text, re.IGNORECASE), r.text
    icons = [ref for ref in page.refs if ref.endswith(".png")]
    assert icons == ["/docs/assets/favicon.png"]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_every_asset_a_docs_page_names_is_served_with_its_type(client, path) -> None:
    page = _parse((await client.get(path)).text)
    for ref in page.refs:
        asset = await client.get(ref)
        assert asset.status_code == 200, ref
        expected = CONTENT_TYPES[ref[ref.rindex(".") :]]
        assert expected in asset.headers["content-type"], (ref, asset.headers["content-type"])
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert int(asset.headers["content-length"]) > 0


async def test_the_assets_are_the_pinned_swagger_ui_and_redoc(client) -> None:
    # The versions named in app/docs.py and the README are those the installed package ships.
    swagger = await client.get(f"/docs/assets/{SWAGGER_JS}")
    assert f'PACKAGE_VERSION:"{SWAGGER_UI_VERSION}"' in swagger.text
    redoc = await client.get(f"/docs/assets/{REDOC_JS}")
    assert f'" ReDoc Version: ","{REDOC_VERSION}"' in redoc.text
    # Only the package's files are reachable, nothing beside them.
    assert (await client.get("/docs/assets/../__init__.py")).status_code == 404
    assert (await client.get("/docs/assets/nothing.js")).status_code == 404
    assert ASSETS_PATH.joinpath(SWAGGER_JS).is_file()


@pytest.mark.parametrize("path", PAGES)
async def test_docs_pages_send_a_strict_content_security_policy(client, path) -> None:
    r = await client.get(path)
    assert r.status_code == 200
    csp = _directives(r.headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["connect-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"] and csp["img-src"] == ["'self'", "data:"]
    nonce = [v for v in csp["script-src"] if v.startswith("'nonce-")]
    assert csp["script-src"][0] == "'self'" and len(nonce) == 1
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    for values in csp.values():  # only this origin: no host, no scheme-wide source other than data:/blob:
        assert all(v.startswith("'") or v in ("data:", "blob:") for v in values), values
    # Every inline script carries this response's nonce (and the next response gets another).
    inline = _parse(r.text).inline_scripts
    assert bool(inline) is (path != "/redoc")  # ReDoc's page has none
    assert all(f"'nonce-{attrs.get('nonce')}'" == nonce[0] for attrs in inline)
    again = _directives((await client.get(path)).headers["content-security-policy"])
    assert again["script-src"] != csp["script-src"]
    assert r.headers["referrer-policy"] == "no-referrer"


async def test_swagger_ui_authorizes_against_the_token_endpoint(client, demo) -> None:
    page = (await client.get("/docs")).text
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in page
    assert "url: '/openapi.json'" in page and '"validatorUrl": null' in page
    doc = (await client.get("/openapi.json")).json()
    flows = [s["flows"] for s in doc["components"]["securitySchemes"].values() if s["type"] == "oauth2"]
    token_url = flows[0]["password"]["tokenUrl"]
    # What the Authorize dialog sends for the password flow: a form post to the token URL.
    path = httpx.URL(token_url).path
    r = await client.post(path, data={"grant_type": "password", "username": "demoagent", "password": "Demo1234"})
    assert r.status_code == 200 and r.json()["token_type"].lower() == "bearer"
    # The redirect page (authorization-code flows) is served too, from the same origin only.
    redirect = await client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200 and "swaggerUIRedirectOauth2" in redirect.text


async def test_with_docs_off_none_of_the_docs_paths_exists(settings) -> None:
    application = create_app(settings.model_copy(update={"docs_enabled": False}), configure_logs=False)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        for path in (*PAGES, f"/docs/assets/{SWAGGER_JS}", "/docs/assets/favicon.png"):
            assert (await c.get(path)).status_code == 404, path
        assert (await c.get("/openapi.json")).status_code == 200  # the contract stays published
