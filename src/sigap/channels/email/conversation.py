"""Which ticket each mail of a batch continues (D12), in any arrival order.

Mail of one batch that point at each other, or at the same parent, form one conversation
(a union-find over Message-IDs). A conversation continues the ticket found for its earliest
mail that has one, looked up in this order: In-Reply-To, References (nearest first), the
ticket tag in the subject, then stored mail that points at this mail or at the same
messages (a reply fetched before its parent). Lookups are one query per kind per batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.email.models import EmailMessage, EmailReference
from sigap.channels.email.parser import ParsedEmail
from sigap.tickets.models import Ticket

# "[#T-2026-000123]" in a subject, as our outgoing mail writes it.
TICKET_TAG = re.compile(r"\[#(T-\d{4}-\d{6})\]")
_CHUNK = 500


def targets(mail: ParsedEmail) -> list[str]:
    return [t[:300] for t in dict.fromkeys((mail.in_reply_to, *mail.references)) if t]


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = list(dict.fromkeys(values))
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


class _Groups:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group(mails: Sequence[ParsedEmail]) -> list[int]:
    """For each mail, the index of the first mail of its conversation within the batch."""
    groups = _Groups(len(mails))
    seen: dict[str, int] = {}
    for i, mail in enumerate(mails):
        for key in (*([mail.message_id[:300]] if mail.message_id else []), *targets(mail)):
            if key in seen:
                groups.join(seen[key], i)
            else:
                seen[key] = i
    return [groups.find(i) for i in range(len(mails))]


def _stored(session: Session, ids: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(ids):
        for message_id, ticket_id in session.execute(
                select(EmailMessage.message_id, EmailMessage.ticket_id)
                .where(EmailMessage.message_id.in_(chunk), EmailMessage.ticket_id.is_not(None))
                .order_by(EmailMessage.id)):
            if message_id is not None and ticket_id is not None:
                found.setdefault(message_id, ticket_id)
    return found


def _pointing(session: Session, ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """target → (first stored mail pointing at it, its ticket)."""
    found: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(ids):
        for target, email_id, ticket_id in session.execute(
                select(EmailReference.target, EmailMessage.id, EmailMessage.ticket_id)
                .join(EmailMessage, EmailMessage.id == EmailReference.message_id)
                .where(EmailReference.target.in_(chunk), EmailMessage.ticket_id.is_not(None))
                .order_by(EmailMessage.id)):
            if ticket_id is not None:
                found.setdefault(target, (email_id, ticket_id))
    return found


def _tagged(session: Session, numbers: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(numbers):
        found.update(session.execute(select(Ticket.number, Ticket.id)
                                     .where(Ticket.number.in_(chunk))).all())
    return found


def _candidate(mail: ParsedEmail, stored: dict[str, int], tagged: dict[str, int],
               pointing: dict[str, tuple[int, int]]) -> int | None:
    if mail.in_reply_to and mail.in_reply_to[:300] in stored:
        return stored[mail.in_reply_to[:300]]
    for ref in reversed(mail.references):
        if ref[:300] in stored:
            return stored[ref[:300]]
    tag = TICKET_TAG.search(mail.subject)
    if tag and tag.group(1) in tagged:
        return tagged[tag.group(1)]
    keys = [*([mail.message_id[:300]] if mail.message_id else []), *targets(mail)]
    hits = [pointing[k] for k in keys if k in pointing]
    return min(hits)[1] if hits else None


def live_ticket(session: Session, ticket_id: int) -> int:
    """Follow merges to the ticket that absorbed this one."""
    seen: set[int] = set()
    current = ticket_id
    while current not in seen:
        seen.add(current)
        merged = session.scalar(select(Ticket.merged_into_id).where(Ticket.id == current))
        if merged is None:
            return current
        current = merged
    return current


def resolve(session: Session, mails: Sequence[ParsedEmail]) -> tuple[list[int], dict[int, int]]:
    """(the conversation of each mail, the ticket each conversation continues, by
    conversation; conversations without one need a new ticket)."""
    conversations = group(mails)
    all_targets = [t for m in mails for t in targets(m)]
    own_ids = [m.message_id[:300] for m in mails if m.message_id]
    stored = _stored(session, all_targets)
    tagged = _tagged(session, [t.group(1) for m in mails
                               if (t := TICKET_TAG.search(m.subject))])
    pointing = _pointing(session, [*own_ids, *all_targets])
    tickets: dict[int, int] = {}
    for i, mail in enumerate(mails):
        conversation = conversations[i]
        if conversation in tickets:
            continue
        found = _candidate(mail, stored, tagged, pointing)
        if found is not None:
            tickets[conversation] = live_ticket(session, found)
    return conversations, tickets
