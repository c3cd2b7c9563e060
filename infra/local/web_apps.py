"""The two web apps on the local API's port, as CloudFront serves them in the cloud: the
members' app under /m/, the console under /console/, each a single-page app (a path that is
not a file answers the app's index.html, so /m/join/<branch_id> opens the app's own route).
Text (HTML, JavaScript, CSS) is sent gzipped to a browser that accepts it, as CloudFront
compresses (infra/web_hosting.py), so what a page downloads locally is what it downloads there.
Built by `python -m infra.web build` (./dev up does it first) into web/dist/<app>/.
"""

from __future__ import annotations

import gzip
import mimetypes
from dataclasses import dataclass, replace
from functools import lru_cache

from infra.web import DIST

PREFIXES = {"/m": "member", "/console": "console"}
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class Asset:
    status: int
    content_type: str
    body: bytes
    cache: str


def app_of(path: str) -> str | None:
    """The app a request path belongs to (None: an API path)."""
    for prefix, app in PREFIXES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return app
    return None


def asset(path: str) -> Asset:
    app = app_of(path)
    assert app is not None
    root = (DIST / app).resolve()
    prefix = next(p for p, a in PREFIXES.items() if a == app)
    relative = path[len(prefix) :].lstrip("/")
    index = root / "index.html"
    if not index.exists():
        message = "前端页面尚未构建：请用 ./dev up 启动（会先构建），或运行 python -m infra.web build"
        return Asset(503, "text/plain; charset=utf-8", message.encode(), "no-store")
    candidate = (root / relative).resolve() if relative else index
    if candidate.is_file() and candidate.is_relative_to(root):
        # Hashed file names under assets/ never change; index.html must always be fresh.
        cache = "public, max-age=31536000, immutable" if "assets" in candidate.parts else "no-cache"
        content_type = (
            TYPES.get(candidate.suffix) or mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        )
        return Asset(200, content_type, candidate.read_bytes(), cache)
    if relative.startswith("assets/"):
        return Asset(404, "text/plain; charset=utf-8", "文件不存在".encode(), "no-store")
    return Asset(200, TYPES[".html"], index.read_bytes(), "no-cache")


@lru_cache(maxsize=256)
def _gzipped(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


def encoded(found: Asset, accept_encoding: str) -> tuple[Asset, dict[str, str]]:
    """The asset as sent to a client accepting `accept_encoding`, with its extra headers."""
    if found.status != 200 or not found.content_type.startswith("text/") or "gzip" not in accept_encoding:
        return found, {}
    return replace(found, body=_gzipped(found.body)), {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
