"""Self-hosted Swagger UI (`/docs`) and ReDoc (`/redoc`), issue 16.

FastAPI's own pages load their scripts and styles from a CDN (unpinned, no integrity check) and the favicon
from a third-party site, so without internet they are blank. Here the assets are served by the app itself
from the pinned PyPI package `fastapi-offline` (pyproject.toml), which ships Swagger UI and ReDoc's standalone
bundles with no runtime dependency besides FastAPI; only its static files are used. The HTML names no other
host, and each page carries a Content-Security-Policy that allows nothing but this origin: scripts from
'self' plus the page's own inline start-up script (a per-response nonce), fetches (the OpenAPI document, the
token request of **Authorize**, "Try it out") to 'self' only, images from 'self' and `data:`, no framing.
(ReDoc's bundle hard-codes one outside image, the Redocly logo beside "API docs by Redocly": the policy blocks
it, so the browser logs one CSP error on /redoc and the logo is hidden; nothing leaves the machine.)
"""

from __future__ import annotations

import secrets
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

from app.deps import PHI_FREE
from app.error_codes import catalog_rows

# The versions inside the pinned `fastapi-offline==1.7.7` (tests/api/test_docs.py reads them from the bundles,
# so a package upgrade that changes them fails until these and the README are updated).
SWAGGER_UI_VERSION = "5.32.6"
REDOC_VERSION = "2.5.3"

ASSETS_PATH = Path(str(files("fastapi_offline").joinpath("static")))
ASSETS_URL = "/docs/assets"
SWAGGER_JS = "swagger-ui-bundle.js"
SWAGGER_CSS = "swagger-ui.css"
REDOC_JS = "redoc.standalone.js"
FAVICON = "favicon.png"

# Shared by the three pages. ReDoc styles itself with injected <style> elements (styled-components), which a
# nonce cannot cover from outside its bundle, so its page alone allows inline styles; its search index runs in
# a Web Worker created from a blob: URL made by the page itself.
_CSP_COMMON = (
    "default-src 'none'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)


def content_security_policy(nonce: str, *, inline_styles: bool = False, workers: bool = False) -> str:
    directives = [
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'" if inline_styles else "style-src 'self'",
        *_CSP_COMMON,
    ]
    if workers:
        directives.append("worker-src 'self' blob:")
    return "; ".join(directives)


def _with_nonce(page: HTMLResponse, csp: str, nonce: str) -> HTMLResponse:
    """The page with its inline scripts nonced and the policy attached (a fresh nonce per response)."""
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    return HTMLResponse(html, headers={"Content-Security-Policy": csp, "Referrer-Policy": "no-referrer"})


def install_docs(app: FastAPI, *, swagger_ui_parameters: dict[str, Any]) -> None:
    """Mount the assets and add `/docs`, its OAuth2 redirect page and `/redoc` (none are in the OpenAPI document).

    Called only where `Settings.docs_served`: otherwise none of these paths exists (404).
    """
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_PATH), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"
    # Never send the document's URL to the public validator (Swagger UI's default badge).
    parameters = {"validatorUrl": None, **swagger_ui_parameters}

    @app.get("/docs", include_in_schema=False, dependencies=[PHI_FREE])
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        assets = root + ASSETS_URL
        nonce = secrets.token_urlsafe(18)
        page = get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{assets}/{SWAGGER_JS}",
            swagger_css_url=f"{assets}/{SWAGGER_CSS}",
            swagger_favicon_url=f"{assets}/{FAVICON}",
            oauth2_redirect_url=root + redirect_url,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=parameters,
        )
        return _with_nonce(page, content_security_policy(nonce), nonce)

    @app.get(redirect_url, include_in_schema=False, dependencies=[PHI_FREE])
    async def swagger_ui_oauth2_redirect() -> HTMLResponse:
        nonce = secrets.token_urlsafe(18)
        return _with_nonce(get_swagger_ui_oauth2_redirect_html(), content_security_policy(nonce), nonce)

    @app.get("/docs/errors", include_in_schema=False, dependencies=[PHI_FREE])
    async def error_catalog() -> HTMLResponse:
        """The error catalog (app/error_codes.py) as a page: every `code` with its status and meaning."""
        rows = "".join(
            f"<tr><td><code>{escape(code)}</code></td><td>{escape(statuses)}</td><td>{escape(meaning)}</td></tr>"
            for code, statuses, meaning in catalog_rows()
        )
        page = (
            f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(app.title)} - error codes</title>"
            f"</head><body><h1>Error codes</h1><p>Every problem document carries one of these <code>code</code>s "
            f"(and each entry of its <code>errors</code> array one of them too). The meaning is the API's own message; "
            f"&hellip; stands for the value or object it names.</p><table><thead><tr><th>code</th><th>status</th>"
            f"<th>meaning</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
        )
        csp = "; ".join(("style-src 'self'", *_CSP_COMMON))
        return HTMLResponse(page, headers={"Content-Security-Policy": csp, "Referrer-Policy": "no-referrer"})

    @app.get("/redoc", include_in_schema=False, dependencies=[PHI_FREE])
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        assets = root + ASSETS_URL
        nonce = secrets.token_urlsafe(18)
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{assets}/{REDOC_JS}",
            redoc_favicon_url=f"{assets}/{FAVICON}",
            with_google_fonts=False,
        )
        return _with_nonce(page, content_security_policy(nonce, inline_styles=True, workers=True), nonce)
