"""Demo customers (D5, D6): segments in the source's proportions, services and contacts."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

from sigap.demo import names as N

FULL_BASE = 320_000
# Share of the customer base per segment (TENESA 2022: DBS 99.18 %, DES 0.53 %, DGS 0.29 %).
SEGMENT_SHARES: dict[str, float] = {"DBS": 99.18, "DES": 0.53, "DGS": 0.29}

PRODUCT_MIX: dict[str, dict[str, float]] = {
    "DBS": {"indihome": 50, "telephony": 20, "datin": 15, "add_on": 15},
    "DES": {"datin": 50, "imes": 15, "telephony": 15, "add_on": 10, "indihome": 10},
    "DGS": {"datin": 40, "indihome": 25, "telephony": 20, "imes": 5, "add_on": 10},
}
SERVICE_COUNTS: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {
    "DBS": ((1, 2, 3), (70, 25, 5)),
    "DES": ((2, 3, 4, 6, 8), (20, 30, 25, 15, 10)),
    "DGS": ((1, 2, 3, 5), (30, 35, 25, 10)),
}
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "datin": ("Astinet 20 Mbps", "Astinet 50 Mbps", "Astinet 100 Mbps", "VPN IP 10 Mbps",
              "Metro-E 100 Mbps", "Metro-E 1 Gbps"),
    "indihome": ("IndiHome Bisnis 30 Mbps", "IndiHome Bisnis 50 Mbps",
                 "IndiHome Bisnis 100 Mbps"),
    "telephony": ("POTS", "SIP Trunk 10 kanal", "ISDN PRI"),
    "imes": ("IMES Enterprise", "IMES Monitoring"),
    "add_on": ("IP Publik /29", "Managed Router", "UseeTV Bisnis", "Wifi.id Corner"),
}


def allocate(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Split `total` by `shares` exactly (largest remainder): the counts sum to `total`."""
    weight = sum(shares.values())
    exact = {k: total * v / weight for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    rest = total - sum(counts.values())
    order = sorted(shares, key=lambda k: (-(exact[k] - counts[k]), list(shares).index(k)))
    for key in order[:rest]:
        counts[key] += 1
    return counts


@dataclass
class Customers:
    customers: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    # customer index → its services / contact values by kind, for the traffic generator.
    services_of: list[list[dict[str, Any]]] = field(default_factory=list)
    address_of: list[dict[str, str]] = field(default_factory=list)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


class _Maker:
    def __init__(self, rng: random.Random, stamp: dt.datetime) -> None:
        self.rng = rng
        self.stamp = stamp
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.handles: set[str] = set()
        self.service_seq = {p: rng.randint(10_000, 90_000) for p in DESCRIPTIONS}
        self.out = Customers()

    def person(self) -> tuple[str, str]:
        rng = self.rng
        first = rng.choice(N.FIRST_NAMES_F if rng.random() < 0.5 else N.FIRST_NAMES_M)
        return first, rng.choice(N.LAST_NAMES)

    def phone(self) -> str:
        while True:
            number = f"+62{self.rng.choice(N.MOBILE_PREFIXES)}{self.rng.randint(0, 99_999_999):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def unique(self, pool: set[str], base: str, suffix: str) -> str:
        value = base + suffix
        n = 1
        while value in pool:
            n += 1
            value = f"{base}{n}{suffix}"
        pool.add(value)
        return value

    def name(self, segment: str, city: str) -> tuple[str, str]:
        """(customer name, email domain or '' for a free-mail address)."""
        rng = self.rng
        if segment == "DGS":
            unit = rng.choice(N.GOVERNMENT_UNITS)
            region = rng.choice(N.GOVERNMENT_REGIONS)
            return f"{unit} {region} {city}", f"{_slug(city)}.go.id"
        if segment == "DES":
            words = rng.sample(N.COMPANY_WORDS, 2)
            sector = rng.choice(N.ENTERPRISE_SECTORS)
            tbk = " Tbk" if rng.random() < 0.3 else ""
            return f"PT {sector} {words[0]} {words[1]}{tbk}", f"{_slug(words[0] + words[1])}.co.id"
        if rng.random() < 0.45:
            first, _ = self.person()
            kind = rng.choice(N.BUSINESS_KINDS)
            return f"{kind} {first} {rng.choice(N.COMPANY_WORDS)}", ""
        form = rng.choice(N.COMPANY_FORMS)
        words = rng.sample(N.COMPANY_WORDS, rng.choice((2, 2, 3)))
        return f"{form} {' '.join(words)}", ""

    def service(self, customer_id: int, product: str, area: str) -> dict[str, Any]:
        self.service_seq[product] += 1
        n = self.service_seq[product]
        sid = {
            "datin": f"4{n:011d}",
            "indihome": f"1{n:011d}",
            "telephony": f"0{area}{n:07d}",
            "imes": f"IMES-{n:06d}",
            "add_on": f"AO-{n:07d}",
        }[product]
        row = {"id": len(self.out.services) + 1, "customer_id": customer_id, "service_id": sid,
               "product": product, "description": self.rng.choice(DESCRIPTIONS[product]),
               "active": self.rng.random() > 0.02, "created_at": self.stamp,
               "updated_at": self.stamp}
        self.out.services.append(row)
        return row

    def contact(self, customer_id: int, kind: str, value: str, label: str) -> None:
        self.out.contacts.append({"id": len(self.out.contacts) + 1, "customer_id": customer_id,
                                  "kind": kind, "value": value, "label": label})


def build_customers(rng: random.Random, scale: float, stamp: dt.datetime) -> Customers:
    """FULL_BASE × scale customers (at least 50), each with services and contacts."""
    total = max(50, round(FULL_BASE * scale))
    counts = allocate(total, SEGMENT_SHARES)
    segments = [seg for seg, n in counts.items() for _ in range(n)]
    rng.shuffle(segments)
    maker = _Maker(rng, stamp)
    externals = rng.sample(range(1_000_000, 9_999_999), total)
    for index, segment in enumerate(segments):
        cid = index + 1
        city, area = rng.choice(N.CITIES)
        name, domain = maker.name(segment, city)
        priority = rng.random() < (0.08 if segment == "DGS" else 0.004)
        reason = ""
        if priority:
            reason = rng.choice(("pejabat pemerintah", "regulator")) if segment == "DGS" \
                else rng.choice(N.PRIORITY_REASONS)
        maker.out.customers.append({
            "id": cid, "external_id": str(externals[index]), "name": name, "segment": segment,
            "city": city, "address": f"{rng.choice(N.STREETS)} No. {rng.randint(1, 250)}, {city}",
            "priority": priority, "priority_reason": reason, "notes": "",
            "created_at": stamp, "updated_at": stamp,
        })
        sizes, weights = SERVICE_COUNTS[segment]
        mix = PRODUCT_MIX[segment]
        own: list[dict[str, Any]] = []
        for n in range(rng.choices(sizes, weights)[0]):
            product = rng.choices(list(mix), list(mix.values()))[0]
            if n == 0 and product == "add_on":
                product = "datin" if segment != "DBS" else "indihome"
            own.append(maker.service(cid, product, area))
        maker.out.services_of.append(own)
        first, last = maker.person()
        pic = f"{first} {last}"
        phone = maker.phone()
        addresses = {"phone": phone}
        maker.contact(cid, "phone", phone, f"PIC: {pic}")
        if rng.random() < 0.2:
            maker.contact(cid, "phone", maker.phone(), "Telepon kantor")
        local = f"{_slug(first)}.{_slug(last)}"
        email = maker.unique(maker.emails, local, f"@{domain}") if domain else \
            maker.unique(maker.emails, local, f"@{rng.choice(N.EMAIL_DOMAINS)}")
        addresses["email"] = email
        maker.contact(cid, "email", email, f"PIC: {pic}")
        if rng.random() < 0.6:
            addresses["whatsapp"] = phone.lstrip("+")
            maker.contact(cid, "whatsapp", phone.lstrip("+"), f"WhatsApp {pic}")
        for kind, share in (("facebook", 0.05), ("x", 0.06)):
            if rng.random() < share:
                handle = maker.unique(maker.handles, _slug(name)[:24] or "pelanggan", "")
                addresses[kind] = handle
                maker.contact(cid, kind, handle, "Akun resmi")
        maker.out.address_of.append(addresses)
    return maker.out
