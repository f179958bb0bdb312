"""Small builders for email desk tests: a mailbox, a mail as raw bytes."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from sqlalchemy.orm import Session

from sigap.channels.email.models import Mailbox
from sigap.core.clock import utcnow
from sigap.org.models import Team

_n = itertools.count(1)


def mailbox(session: Session, name: str = "dbs", address: str = "care.dbs@sigap.test",
            team: Team | None = None, **extra: object) -> Mailbox:
    box = Mailbox(name=name, address=address, display_name="Telkom Care DBS",
                  greeting="{salam} Bapak/Ibu {nama_pelanggan},",
                  signature="Salam,\n{agen}\nTelkom Care", team_id=team.id if team else None,
                  segment="DBS", **extra)
    session.add(box)
    session.flush()
    return box


def mail(*, sender: str = "budi@pelanggan.co.id", name: str = "Budi Santoso",
         to: str = "care.dbs@sigap.test", subject: str = "Internet mati",
         body: str = "Selamat pagi, internet kantor kami mati sejak kemarin.",
         message_id: str | None = None, in_reply_to: str | None = None,
         references: Sequence[str] = (), headers: dict[str, str] | None = None,
         attachments: Sequence[tuple[str, str, bytes]] = ()) -> tuple[bytes, str]:
    """(raw bytes, Message-ID) of a plain customer mail."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"{name} <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msgid = message_id or make_msgid(idstring=f"t{next(_n)}", domain="pelanggan.co.id")
    msg["Message-ID"] = msgid
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    for filename, kind, data in attachments:
        main, _, sub = kind.partition("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return msg.as_bytes(), msgid
