"""Contact normalisation: pure functions, property-tested."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigap.core.errors import InvalidInput
from sigap.customers import contacts

MOBILE = "+6281234567890"


@pytest.mark.parametrize("raw", ["0812-3456-7890", "6281234567890", "+62 812 3456 7890",
                                 "+62-812-3456-7890", "(0812) 3456 7890", "081234567890"])
def test_mobile_variants_become_e164(raw: str) -> None:
    assert contacts.normalise_phone(raw) == MOBILE


@pytest.mark.parametrize("raw", ["(024) 8441234", "024-8441234", "+62 24 8441234",
                                 "62248441234"])
def test_landline_becomes_e164(raw: str) -> None:
    assert contacts.normalise_phone(raw) == "+62248441234"


@pytest.mark.parametrize("raw", ["", "08123", "abc", "0812-abcd-7890", "+1 555", "12"])
def test_invalid_phone_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidInput) as err:
        contacts.normalise_phone(raw, field="phone")
    assert err.value.field == "phone"
    assert "Nomor telepon" in err.value.message


def test_whatsapp_is_wa_id_digits() -> None:
    assert contacts.normalise_whatsapp("0812-3456-7890") == "6281234567890"
    assert contacts.normalise("whatsapp", "+62 812 3456 7890") == "6281234567890"


def test_email_and_handles() -> None:
    assert contacts.normalise_email("  Budi.Santoso@PT-Maju.co.id ") == "budi.santoso@pt-maju.co.id"
    assert contacts.normalise_handle("@PT_MajuJaya") == "pt_majujaya"
    assert contacts.normalise("x", "@Telkom.Care") == "telkom.care"
    for bad in ["budi@", "@maju.co.id", "budi maju@x.id", "budi@localhost"]:
        with pytest.raises(InvalidInput):
            contacts.normalise_email(bad)
    with pytest.raises(InvalidInput):
        contacts.normalise_handle("@ada spasi")
    with pytest.raises(InvalidInput) as err:
        contacts.normalise("fax", "1")
    assert err.value.field == "kind"


subscriber = st.integers(min_value=10_000_000, max_value=99_999_999)
prefix = st.sampled_from(["811", "812", "813", "821", "822", "852", "853", "857", "878"])


@given(prefix, subscriber, st.sampled_from(["0{p}{s}", "62{p}{s}", "+62{p}{s}", "+62 {p} {s}",
                                            "0{p}-{s}", "(0{p}) {s}"]))
def test_every_written_form_of_one_mobile_is_one_value(p: str, s: int, shape: str) -> None:
    canonical = contacts.normalise_phone(f"0{p}{s}")
    assert canonical == f"+62{p}{s}"
    assert contacts.normalise_phone(shape.format(p=p, s=s)) == canonical
    # Idempotent: normalising the canonical value changes nothing.
    assert contacts.normalise_phone(canonical) == canonical
    assert contacts.normalise_whatsapp(canonical) == canonical[1:]


EMAILS = r"[A-Za-z0-9_]{1,12}(\.[A-Za-z0-9_]{1,8})?@[A-Za-z0-9]{1,10}\.(co\.id|com|id)"


@given(st.from_regex(EMAILS, fullmatch=True))
def test_email_is_lower_case_and_idempotent(raw: str) -> None:
    value = contacts.normalise_email(raw)
    assert value == raw.lower()
    assert contacts.normalise_email(value) == value


@given(st.from_regex(r"@?[A-Za-z0-9_]{1,30}", fullmatch=True))
def test_handles_drop_at_and_case(raw: str) -> None:
    value = contacts.normalise_handle(raw)
    assert not value.startswith("@") and value == value.lower()
    assert contacts.normalise_handle(value) == value


@given(st.text(max_size=30))
def test_normalise_never_crashes(raw: str) -> None:
    for kind in ("phone", "whatsapp", "email", "facebook", "x"):
        with contextlib.suppress(InvalidInput):
            contacts.normalise(kind, raw)
