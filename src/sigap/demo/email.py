"""The demo email desk: mailboxes, reply templates, related products, level routes and a
morning of real mail taken in through the same ingestion as IMAP (seed 001)."""

from __future__ import annotations

import datetime as dt
import random
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.email import inbox
from sigap.channels.email.models import LevelRoute, Mailbox, RelatedProduct, ReplyTemplate
from sigap.customers.models import ContactKind, Customer, CustomerContact
from sigap.demo.people import Org

GREETING = "{salam} Bapak/Ibu {nama_pelanggan},\n\nTerima kasih telah menghubungi Telkom Care."
SIGNATURE = "Hormat kami,\n{agen}\nTelkom Care – Layanan Email"

TEMPLATES: list[dict[str, str]] = [
    {"name": "Gangguan sedang ditangani", "kind": "reply",
     "subject": "Tiket {nomor_tiket}: gangguan sedang ditangani",
     "body": GREETING + "\n\nKeluhan gangguan layanan {nomor_layanan} sudah kami catat dengan "
             "nomor tiket {nomor_tiket} dan sedang kami koordinasikan dengan unit teknis."
             "\n\n" + SIGNATURE},
    {"name": "Tanda terima otomatis", "kind": "acknowledgement", "subject": "",
     "body": "Terima kasih, email Anda sudah kami terima dengan nomor tiket {nomor_tiket}. "
             "Petugas kami akan segera menindaklanjuti."},
    {"name": "Update berkala", "kind": "periodic_update",
     "subject": "Update tiket {nomor_tiket}",
     "body": GREETING + "\n\nPerkembangan penanganan tiket {nomor_tiket}: teknisi masih "
             "melakukan pengecekan di lapangan. Kami akan mengabari kembali paling lambat "
             "satu jam lagi.\n\n" + SIGNATURE},
    {"name": "Info penyebab dan perbaikan", "kind": "cause_repair",
     "subject": "Penyebab gangguan tiket {nomor_tiket}",
     "body": GREETING + "\n\nGangguan layanan {nomor_layanan} disebabkan oleh kabel optik "
             "putus di ruas distribusi. Perbaikan sudah selesai dan layanan kembali normal."
             "\n\n" + SIGNATURE},
    {"name": "Informasi produk", "kind": "reply", "subject": "",
     "body": GREETING + "\n\nBerikut informasi produk {produk} yang Bapak/Ibu tanyakan: "
             "...\n\n{produk_terkait}\n\n" + SIGNATURE},
    {"name": "Closing", "kind": "closing", "subject": "Tiket {nomor_tiket} kami tutup",
     "body": GREETING + "\n\nKarena layanan sudah normal, tiket {nomor_tiket} kami tutup. "
             "Silakan balas email ini bila gangguan terulang.\n\n" + SIGNATURE},
]

RELATED: dict[str, list[tuple[str, str]]] = {
    "indihome": [("IndiHome Gamer", "kuota gim dan latensi rendah"),
                 ("Add-on Minipack", "tambahan kanal TV"),
                 ("WiFi Extender", "sinyal merata di seluruh rumah")],
    "datin": [("Astinet", "internet dedicated untuk kantor"),
              ("VPN IP", "jaringan privat antarcabang")],
    "telephony": [("Nomor Cantik", "nomor telepon kantor yang mudah diingat")],
    "wifi": [("WiFi Managed Service", "WiFi kantor dikelola Telkom")],
}

COMPLAINTS = [
    ("Internet mati sejak pagi", "Selamat pagi, internet kantor kami mati sejak pukul 07.00. "
                                 "Lampu LOS pada modem berkedip merah."),
    ("Koneksi lambat", "Kecepatan internet hanya 2 Mbps padahal paket 100 Mbps."),
    ("Tagihan tidak sesuai", "Tagihan bulan ini lebih tinggi dari biasanya, mohon dicek."),
    ("Info paket", "Mohon informasi paket yang tersedia untuk kantor cabang baru kami."),
    ("Telepon kantor tidak ada nada", "Telepon kantor tidak ada nada sambung sejak kemarin."),
]


def _mail(sender: str, name: str, to: str, subject: str, body: str, *, msgid: str,
          at: dt.datetime, in_reply_to: str | None = None,
          attachment: tuple[str, bytes] | None = None) -> tuple[bytes, str]:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"{name} <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = msgid
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body + "\n")
    if attachment:
        msg.add_attachment(attachment[1], maintype="image", subtype="jpeg",
                           filename=attachment[0])
        msg.set_boundary("demo-" + msgid.strip("<>"))  # not random: the demo is reproducible
    return msg.as_bytes(), msgid


def seed_email_desk(session: Session, org: Org, rng: random.Random,
                    now: dt.datetime) -> dict[str, int]:
    """Configure the email desk and take in a few dozen mails; returns counts."""
    email_teams = [t for t in org.teams if t["desk"] == "Tier 1 Email"]
    tier2 = [t for t in org.teams if t["desk"] == "Tier 2 Datin"]
    if not email_teams:
        return {}
    boxes: list[Mailbox] = []
    for i, (segment, address) in enumerate((("DBS", "layanan.ebis@telkom.co.id"),
                                            ("DES", "care.des@telkom.co.id"),
                                            ("DGS", "care.dgs@telkom.co.id"))):
        team = email_teams[i % len(email_teams)]
        boxes.append(Mailbox(
            name=segment.lower(), address=address, display_name=f"Telkom Care {segment}",
            greeting=GREETING, signature=SIGNATURE, team_id=team["id"], segment=segment,
            tier=1, work_level="level0", default_type="gangguan", created_at=now,
            updated_at=now))
    session.add_all(boxes)
    session.add_all(ReplyTemplate(**t, created_at=now, updated_at=now) for t in TEMPLATES)
    session.add_all(RelatedProduct(product=p, related=r, pitch=pitch)
                    for p, items in RELATED.items() for r, pitch in items)
    session.add(LevelRoute(level="level0", segment="", team_id=email_teams[0]["id"]))
    if tier2:
        session.add(LevelRoute(level="level1", segment="", team_id=tier2[0]["id"]))
    session.add(LevelRoute(level="monitoring", segment="", team_id=email_teams[-1]["id"]))
    session.flush()
    senders = list(session.execute(
        select(CustomerContact.value, Customer.name)
        .join(Customer, Customer.id == CustomerContact.customer_id)
        .where(CustomerContact.kind == ContactKind.email, Customer.segment == "DBS")
        .order_by(CustomerContact.id).limit(12)))
    raws: list[tuple[bytes, int | None]] = []
    box = boxes[0]
    for n, (address, name) in enumerate(senders):
        subject, body = COMPLAINTS[n % len(COMPLAINTS)]
        photo = ("modem.jpg", bytes.fromhex("ffd8ffe0") + bytes(rng.getrandbits(8)
                                                                for _ in range(256)))
        raw, msgid = _mail(address, name, box.address, subject, body,
                           msgid=f"<demo-{n}@pelanggan.demo>",
                           at=now - dt.timedelta(minutes=90 - n),
                           attachment=photo if n % 4 == 0 else None)
        raws.append((raw, None))
        if n % 3 == 0:
            reply, _ = _mail(address, name, box.address, f"Re: {subject}",
                             "Mohon segera ditindaklanjuti, kami sangat membutuhkan layanan ini.",
                             msgid=f"<demo-{n}-re@pelanggan.demo>",
                             at=now - dt.timedelta(minutes=30 - n), in_reply_to=msgid)
            raws.append((reply, None))
    auto, _ = _mail("mailer@promo.demo", "Promo", box.address, "Out of office",
                    "Saya sedang cuti.", msgid="<demo-ooo@promo.demo>", at=now)
    raws.append((auto.replace(b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:", 1),
                 None))
    raws.append((b"\x00\x01 berkas rusak, bukan email", None))
    rng.shuffle(raws)
    outcomes = inbox.ingest_batch(session, box, raws, source="api", now=now)
    counts: dict[str, int] = {"mailboxes": len(boxes), "email_templates": len(TEMPLATES),
                              "emails": sum(o.email_id is not None for o in outcomes)}
    return counts
