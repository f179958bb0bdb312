"""WhatsApp out: the 24-hour rule and approved templates, then the Graph API call.

Inside 24 hours of the customer's last message any text may go; outside it only an
approved template (Meta's rule), and the agent is told why.
"""

from __future__ import annotations

import re

import httpx
from sqlalchemy.orm import Session

from sigap.channels import service
from sigap.channels.base import Endpoint, Media, Outgoing, SendError
from sigap.channels.models import Conversation
from sigap.channels.whatsapp.models import WaTemplate
from sigap.core.errors import InvalidInput

OUTSIDE_WINDOW = ("Di luar jendela 24 jam sejak pesan terakhir pelanggan: WhatsApp hanya "
                  "mengizinkan templat yang sudah disetujui. Pilih templat.")
_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


MEDIA_KINDS = {"image": ("image/jpeg", "image/png"),
               "audio": ("audio/aac", "audio/mp4", "audio/mpeg", "audio/amr", "audio/ogg"),
               "video": ("video/mp4", "video/3gpp")}


def media_kind(content_type: str) -> str:
    for kind, types in MEDIA_KINDS.items():
        if content_type in types:
            return kind
    return "document"


def compose(session: Session, conversation: Conversation, text: str,
            template_id: int | None, parameters: list[str],
            media: Media | None = None) -> Outgoing:
    if media is not None:
        if not service.window_open(conversation):
            raise InvalidInput(OUTSIDE_WINDOW, field="template_id")
        kind = media_kind(media.content_type)
        part: dict[str, object] = {}
        if text and kind in ("image", "video", "document"):
            part["caption"] = text
        if kind == "document":
            part["filename"] = media.filename
        return Outgoing(kind, text or media.filename, {"type": kind, kind: part})
    if template_id is not None:
        template = session.get(WaTemplate, template_id)
        if template is None or not template.approved:
            raise InvalidInput("Templat tidak ada atau belum disetujui Meta.",
                               field="template_id")
        needed = len(set(_PLACEHOLDER.findall(template.body)))
        if len(parameters) != needed:
            raise InvalidInput(f"Templat {template.name} butuh {needed} parameter, "
                               f"diberikan {len(parameters)}.", field="parameters")
        shown = _PLACEHOLDER.sub(lambda m: parameters[int(m.group(1)) - 1], template.body)
        return Outgoing("template", shown, {"type": "template", "template": {
            "name": template.name, "language": {"code": template.language},
            "components": [{"type": "body", "parameters": [
                {"type": "text", "text": v} for v in parameters]}] if parameters else []}})
    if not service.window_open(conversation):
        raise InvalidInput(OUTSIDE_WINDOW, field="template_id")
    return Outgoing("text", text, {"type": "text", "text": {"preview_url": False,
                                                            "body": text}})


def upload(client: httpx.Client, endpoint: Endpoint, account: str, media: Media) -> str:
    """POST /{phone_number_id}/media (multipart); the media id to send."""
    answer = client.post(
        f"{endpoint.base_url.rstrip('/')}/{account}/media",
        headers={"Authorization": f"Bearer {endpoint.token}"},
        data={"messaging_product": "whatsapp", "type": media.content_type},
        files={"file": (media.filename, media.data, media.content_type)})
    if answer.status_code != 200 or not answer.json().get("id"):
        raise SendError(f"Unggah media ditolak Graph ({answer.status_code}): "
                        f"{answer.text[:300]}")
    return str(answer.json()["id"])


def send(client: httpx.Client, endpoint: Endpoint, account: str, contact: str,
         payload: dict[str, object], media: Media | None = None) -> str:
    """POST /{phone_number_id}/messages (after uploading the media, if any); Meta's id."""
    if media is not None:
        kind = str(payload["type"])
        part = dict(payload.get(kind) or {})  # type: ignore[call-overload]
        part["id"] = upload(client, endpoint, account, media)
        payload = {**payload, kind: part}
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": contact,
            **payload}
    answer = client.post(f"{endpoint.base_url.rstrip('/')}/{account}/messages", json=body,
                         headers={"Authorization": f"Bearer {endpoint.token}"})
    if answer.status_code != 200:
        raise SendError(f"Graph menjawab {answer.status_code}: {answer.text[:300]}")
    messages = answer.json().get("messages") or [{}]
    return str(messages[0].get("id", ""))
