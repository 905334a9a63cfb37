"""Matching a kota bill to its payer by the keyed digest of their NIK (apps.levies.identity):
the kota register and the resident's account keep only the digest; a bill with no match stays
claimable by number and code; a resident who records their NIK later gets their waiting bills;
two residents never get the same bill; another kota's bills never match; the NIK is in no table
and no log line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.db import connection
from apps.core.errors import Conflict, ValidationFailed
from apps.levies import identity, payer, services
from apps.levies.models import Levy, LevyBill
from apps.notifications.models import Message
from apps.payments.models import PaymentRequest
from apps.tenancy import services as tenancy
from apps.tenancy.models import LevyBillRoute
from tests.conftest import PASSWORD
from tests.levies.conftest import World
from tests.levies.test_pages import logged_in

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]

NIK = "3577031505800001"  # synthetic: Kota Madiun, born 15-05-1980, serial 0001
OTHER_NIK = "3577035708900002"


def issue_to_nik(world: World, capture: Capture, nik: str = NIK, **extra: Any) -> LevyBill:
    with world.kota, capture(execute=True):
        return services.do_issue_bill(
            extra.pop("levy", world.sampah),
            kelurahan=extra.pop("kelurahan", world.kel),
            payer_name="Pak Joko",
            payer_nik_digest=identity.digest_nik(nik),
            period_label="2026-12",
            actor=world.officer,
            **extra,
        )


def record(world: World, capture: Capture, user: User, nik: str = NIK, tenant: Any = None) -> None:
    with tenant or world.kel, capture(execute=True):
        payer.record_nik(user, nik)


def copy_of(bill: LevyBill) -> PaymentRequest:
    return PaymentRequest.objects.exclude(status="cancelled").get(reference=f"levy:{bill.number}")


def test_the_digest_is_keyed_checked_and_never_the_number(settings: Any) -> None:
    digest = identity.digest_nik(NIK)
    assert identity.is_digest(digest) and NIK not in digest
    assert identity.digest_nik(f" {NIK[:6]}.{NIK[6:12]}.{NIK[12:]} ") == digest  # separators as typed
    assert identity.digest_nik(OTHER_NIK) != digest
    for bad in ("", "123", "0000000000000000", "3577033213800001"):
        with pytest.raises(ValidationFailed) as refused:
            identity.digest_nik(bad)
        assert bad not in str(refused.value.message) or not bad
    settings.LEVIES_NIK_KEY = "another-deployment-key-Qm7Xr2Vt9Lp4Zc8Wk1Hs"
    assert identity.digest_nik(NIK) != digest  # per deployment
    settings.LEVIES_NIK_KEY, settings.PERSONAL_DATA_DEV_KEYS = "", False
    with pytest.raises(ImproperlyConfigured, match="LEVIES_NIK_KEY"):  # never SECRET_KEY outside development
        identity.digest_nik(NIK)


def test_a_bill_to_a_recorded_nik_reaches_that_resident(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    record(world, django_capture_on_commit_callbacks, world.payer)
    bill = issue_to_nik(world, django_capture_on_commit_callbacks)
    assert bill.payer_account == "" and bill.payer_nik_digest == identity.digest_nik(NIK)
    with world.kel:
        copy = copy_of(bill)
        assert copy.payer == world.payer
        assert Message.objects.filter(recipient=world.payer, event="levies.issued").count() == 1
    page = logged_in(world.kel, world.payer).get("/tagihan/")
    assert bill.number.encode() in page.content


def test_no_match_stays_claimable_by_number_and_code(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    bill = issue_to_nik(world, django_capture_on_commit_callbacks)
    code = payer.claim_code(LevyBillRoute.objects.get(number=bill.number))
    with world.kel:
        assert copy_of(bill).payer is None
        assert payer.claim(world.neighbour, bill.number, code).payer == world.neighbour
    # The NIK's owner recording it later takes nothing from whoever claimed the paper bill.
    record(world, django_capture_on_commit_callbacks, world.payer)
    with world.kel:
        assert copy_of(bill).payer == world.neighbour


def test_recording_the_nik_later_attaches_the_waiting_bills(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    first = issue_to_nik(world, django_capture_on_commit_callbacks)
    second = issue_to_nik(world, django_capture_on_commit_callbacks, levy=world.pasar)
    other = issue_to_nik(world, django_capture_on_commit_callbacks, nik=OTHER_NIK, levy=world.pasar, issue_key="x")
    client = logged_in(world.kel, world.payer)
    assert b'data-testid="record-nik"' in client.get("/tagihan/").content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/tagihan/nik/", {"nik": NIK})
    assert response.status_code == 302 and response["Location"] == "/tagihan/"
    with world.kel:
        assert copy_of(first).payer == world.payer and copy_of(second).payer == world.payer
        assert copy_of(other).payer is None  # another NIK's bill stays unclaimed
        assert Message.objects.filter(recipient=world.payer, event="levies.issued").count() == 2
        world.payer.refresh_from_db()
        assert world.payer.nik_digest == identity.digest_nik(NIK)
    listing = client.get("/tagihan/").content
    assert first.number.encode() in listing and other.number.encode() not in listing
    with django_capture_on_commit_callbacks(execute=True):  # again: nothing new, nothing twice
        client.post("/tagihan/nik/", {"nik": NIK})
    with world.kel:
        assert Message.objects.filter(recipient=world.payer, event="levies.issued").count() == 2
    bad = client.post("/tagihan/nik/", {"nik": "12345"}, follow=True)
    assert bad.status_code == 200 and b"16 digit" in bad.content


def test_two_residents_never_get_the_same_bill(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    record(world, django_capture_on_commit_callbacks, world.payer)
    with pytest.raises(Conflict):
        record(world, django_capture_on_commit_callbacks, world.neighbour)
    with world.kel:
        assert User.objects.get(pk=world.neighbour.pk).nik_digest == ""
        # Two accounts holding the same digest anyway (e.g. set by hand): the bill goes to neither.
        User.objects.filter(pk=world.neighbour.pk).update(nik_digest=identity.digest_nik(NIK))
    bill = issue_to_nik(world, django_capture_on_commit_callbacks)
    with world.kel:
        assert copy_of(bill).payer is None
        assert PaymentRequest.objects.filter(reference=f"levy:{bill.number}").count() == 1


def test_another_kelurahan_and_another_kota_never_match(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # The same NIK recorded by a resident of the kota's other kelurahan: the bill goes to Mojorejo.
    with world.other_kel:
        stranger = create_user(username="lv-pandean", full_name="Warga Pandean", roles=[Role.WARGA], password=PASSWORD)
    record(world, django_capture_on_commit_callbacks, stranger, tenant=world.other_kel)
    bill = issue_to_nik(world, django_capture_on_commit_callbacks)
    with world.kel:
        assert copy_of(bill).payer is None
    with world.other_kel:
        assert not PaymentRequest.objects.filter(reference=f"levy:{bill.number}").exists()
    # Another kota (Malang) and a kelurahan of it, whose resident recorded the same NIK.
    malang = tenancy.activate_region("35.73", tenant_type="kota").tenant
    malang_kel = tenancy.activate_region("35.73.01.1001").tenant
    with malang_kel:
        namesake = create_user(username="lv-malang", full_name="Warga Malang", roles=[Role.WARGA], password=PASSWORD)
    record(world, django_capture_on_commit_callbacks, namesake, tenant=malang_kel)
    record(world, django_capture_on_commit_callbacks, world.payer)  # Madiun's own resident
    with world.kel:
        assert copy_of(bill).payer == world.payer
    with malang_kel:
        assert not PaymentRequest.objects.filter(reference__startswith="levy:").exists()
    with malang:  # Malang's register knows nothing of Madiun's bills, and cannot queue them
        assert services.resync_open_bills(kelurahan_id=world.kel.pk, nik_digest=identity.digest_nik(NIK)) == 0
        with pytest.raises(ValidationFailed):
            services.do_issue_bill(
                Levy(code="X"), kelurahan=world.kel, payer_name="X", payer_nik_digest=identity.digest_nik(NIK)
            )


def test_upload_with_a_nik_column(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    record(world, django_capture_on_commit_callbacks, world.payer)
    csv = (
        "kode;kelurahan;nama;nik;jumlah;masa\n"
        f"{world.sampah.code};{world.kel.slug};Pak Joko;{NIK};;2026-12\n"
        f"{world.pasar.code};{world.kel.slug};Bu Darmi;{OTHER_NIK};75.000;2026-12\n"
        f"{world.pasar.code};{world.kel.slug};Salah;3577039999999999;;2026-12\n"
        f"{world.pasar.code};{world.kel.slug};Kosong;;;2026-12\n"
    ).encode()
    client = logged_in(world.kota, world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/retribusi/unggah/", {"file": SimpleUploadedFile("pbb.csv", csv, "text/csv")})
    body = response.content.decode()
    assert response.status_code == 200 and "Baris 4" in body and "Baris 5" in body
    assert "3577039999999999" not in body  # a refused NIK is never echoed
    with world.kota:
        bills = {bill.payer_name: bill for bill in LevyBill.objects.all()}
        assert set(bills) == {"Pak Joko", "Bu Darmi"}
        assert bills["Pak Joko"].payer_nik_digest == identity.digest_nik(NIK)
        assert bills["Bu Darmi"].payer_nik_digest == identity.digest_nik(OTHER_NIK)
    with world.kel:
        assert copy_of(bills["Pak Joko"]).payer == world.payer
        assert copy_of(bills["Bu Darmi"]).payer is None
    with django_capture_on_commit_callbacks(execute=True):  # re-upload: nothing twice
        client.post("/retribusi/unggah/", {"file": SimpleUploadedFile("pbb.csv", csv, "text/csv")})
    with world.kota:
        assert LevyBill.objects.count() == 2
    no_payer = b"kode,kelurahan,nama\nX,y,z\n"
    refused = client.post("/retribusi/unggah/", {"file": SimpleUploadedFile("t.csv", no_payer, "text/csv")})
    assert refused.status_code == 422 and "akun/nik" in refused.content.decode()


def test_the_issue_form_takes_a_nik(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    client = logged_in(world.kota, world.officer)
    form = {"levy": world.sampah.pk, "kelurahan": world.kel.pk, "payer_name": "Pak Joko", "payer_nik": NIK}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/retribusi/terbit/", {**form, "issue_key": "n-1"}).status_code == 302
    bad = client.post("/retribusi/terbit/", {**form, "payer_nik": "99", "issue_key": "n-2"})
    assert bad.status_code == 422
    neither = client.post("/retribusi/terbit/", {**form, "payer_nik": "", "issue_key": "n-3"})
    assert neither.status_code == 422
    with world.kota:
        assert list(LevyBill.objects.values_list("payer_nik_digest", flat=True)) == [identity.digest_nik(NIK)]


def _rows_with(text: str) -> list[str]:
    """Every table of the current schema whose rows, as text, contain `text`."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT 1 FROM "{table}" t WHERE t::text LIKE %s LIMIT 1', [f"%{text}%"])
            if cursor.fetchone():
                found.append(table)
    return found


def test_the_nik_is_in_no_table_and_no_log_line(
    world: World, django_capture_on_commit_callbacks: Capture, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    kota_client = logged_in(world.kota, world.officer)
    csv = f"kode,kelurahan,nama,nik\n{world.sampah.code},{world.kel.slug},Pak Joko,{NIK}\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        kota_client.post("/retribusi/unggah/", {"file": SimpleUploadedFile("pbb.csv", csv, "text/csv")})
        kota_client.post(
            "/retribusi/terbit/",
            {"levy": world.pasar.pk, "kelurahan": world.kel.pk, "payer_name": "Pak Joko", "payer_nik": OTHER_NIK},
        )
    resident: Client = logged_in(world.kel, world.payer)
    with django_capture_on_commit_callbacks(execute=True):
        resident.post("/tagihan/nik/", {"nik": NIK})
        resident.post("/tagihan/nik/", {"nik": NIK[:15]})  # refused: not echoed either
    with world.kel:
        assert PaymentRequest.objects.filter(payer=world.payer, reference__startswith="levy:").count() == 1
    for tenant in (world.kota, world.kel):
        with tenant:
            for number in (NIK, OTHER_NIK, NIK[:15]):
                assert _rows_with(number) == [], (tenant.schema_name, number)
    connection.set_schema_to_public()
    assert not LevyBillRoute.objects.filter(title__contains=NIK[:8]).exists()
    assert caplog.records, "the flow logs something (requests, tasks): the check below must see it"
    for entry in caplog.records:
        text = f"{entry.getMessage()} {entry.args!r} {getattr(entry, '__dict__', {})!r}"
        for number in (NIK, OTHER_NIK, NIK[:15]):
            assert number not in text, entry.getMessage()
