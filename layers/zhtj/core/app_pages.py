"""The members' app's own pages (WEB-1): the only addresses a payment or WeChat's web
authorization may send the browser back to (never an open redirect)."""

from __future__ import annotations

from urllib.parse import urlsplit

from zhtj.core.settings import app_origins

# The members' app is served under this path on each of settings.app_origins().
APP_PATH = "/m/"


def is_app_page(url: str) -> bool:
    """Whether `url` is a page of the members' app: http(s), an origin of
    zhtj.core.settings.app_origins (the API's public address, ZHTJ_APP_ORIGIN's), a path under
    /m/, no user part and no backslash (which browsers read as a slash)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return (
        parts.scheme in ("http", "https")
        and parts.username is None
        and origin in app_origins()
        and parts.path.startswith(APP_PATH)
        and "\\" not in url
    )
