"""Redirect targets taken from the request (next=…) may only be paths of this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_url(target: str | None, default: str) -> str:
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
