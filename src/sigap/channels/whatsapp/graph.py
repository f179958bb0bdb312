"""The Graph API client (media download). The base URL is a setting, so tests and a
proxy can stand in for graph.facebook.com."""

from __future__ import annotations

import httpx


class GraphError(RuntimeError):
    pass


def download_media(base_url: str, token: str, media_id: str,
                   timeout: float = 30.0) -> tuple[bytes, str]:
    """(bytes, mime type) of a media id: its URL from the Graph API, then the file."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=timeout, headers=headers) as client:
        meta = client.get(f"{base_url.rstrip('/')}/{media_id}")
        if meta.status_code != 200:
            raise GraphError(f"media {media_id}: Graph answered {meta.status_code}")
        info = meta.json()
        url = info.get("url")
        if not isinstance(url, str) or not url:
            raise GraphError(f"media {media_id}: no url in the Graph answer")
        data = client.get(url)
        if data.status_code != 200:
            raise GraphError(f"media {media_id}: download answered {data.status_code}")
        return data.content, str(info.get("mime_type") or data.headers.get("content-type", ""))
