"""Absolute links to the panel, for mail and for addresses pasted elsewhere (webhooks).

They come from ``settings.PANEL_BASE_URL``, never from the request: the Host header is whatever
the client sent, so a link built from it could send a password-reset token to an attacker's host.
"""

from urllib.parse import urlsplit

from django.conf import settings


def panel_url(path: str) -> str:
    """``/invitation/abc/`` → ``https://panel.example.com/invitation/abc/``."""
    return settings.PANEL_BASE_URL.rstrip("/") + path


def panel_base_problem(value: str) -> str | None:
    """Why ``value`` is not a usable PANEL_BASE_URL, or None."""
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return (
            "PANEL_BASE_URL must be an absolute http:// or https:// address, "
            "e.g. https://panel.example.com."
        )
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        return "PANEL_BASE_URL is the scheme, host and port only: no path, query or user name."
    return None
