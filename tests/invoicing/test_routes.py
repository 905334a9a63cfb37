"""Invoices to an OPD of the kota: a Mojorejo UMKM invoices Dinas Perdagangan Kota Madiun, the
public route follows the invoice (viewed, paid by QRIS through the token page, cancelled,
disputed), the kota's Faktur masuk shows it to the finance office and the OPD's staff only, and
factoring prices the OPD on its history in every kelurahan of the kota."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import ValidationFailed
from apps.factoring import selectors as factoring
from apps.invoicing import services
from apps.invoicing.models import Invoice
from apps.notifications.models import Message
from apps.payments import services as payments
from apps.payments.models import GatewayCharge
from apps.reports import services as reports
from apps.tenancy.models import InvoiceRoute, Tenant
from tests.budgets import assert_list_budget
from tests.conftest import PASSWORD, TenantSet, client_for

from .conftest import World, make_world, signed_in

pytestmark = pytest.mark.django_db
OPD = "dinas-perdagangan"
OPD_NAME = "Dinas Perdagangan Kota Madiun"
LINES = [{"description": "Nasi kotak bazar", "quantity": "10", "unit": "kotak", "unit_price": 20_000}]


class Kota:
    def __init__(self, tenants: TenantSet) -> None:
        with tenants.kota:
            reports.ensure_opd(code=OPD, name=OPD_NAME)
            other = reports.ensure_opd(code="dlh", name="Dinas Lingkungan Hidup Kota Madiun")
            self.finance = create_user(username="fr-bpkad", full_name="Keuangan", roles=[Role.ADMIN], password=PASSWORD)
            self.opd_staff = create_user(
                username="fr-disdag", full_name="Staf Disdag", roles=[Role.STAF_OPD], password=PASSWORD
            )
            self.other_staff = create_user(
                username="fr-dlh", full_name="Staf DLH", roles=[Role.STAF_OPD], password=PASSWORD
            )
            self.warga = create_user(username="fr-warga", full_name="Warga", roles=[Role.WARGA], password=PASSWORD)
            reports.ensure_opd(code=OPD, name=OPD_NAME).staff.add(self.opd_staff)
            other.staff.add(self.other_staff)


@pytest.fixture
def kota(tenants: TenantSet, db: None) -> Kota:
    return Kota(tenants)


@pytest.fixture
def seller(tenants: TenantSet, db: None) -> World:
    with tenants.a:
        world = make_world("fr-")
        reports.ensure_opd(code=OPD, name=OPD_NAME)
        reports.ensure_opd(code="dlh", name="Dinas Lingkungan Hidup Kota Madiun")
        return world


def to_opd(world: World, tenant: Tenant, code: str = OPD, **extra: Any) -> Invoice:
    with tenant:
        return services.issue_invoice(
            world.shop, world.people.umkm_b, buyer_name="", buyer_opd=code, lines=LINES, **extra
        )


def route_of(invoice: Invoice, tenant: Tenant) -> InvoiceRoute:
    return InvoiceRoute.objects.get(kelurahan=tenant, invoice_id=invoice.pk)


def logged_in(tenant: Tenant, user: User) -> Client:
    return signed_in(tenant, user)


def test_the_route_holds_no_personal_data() -> None:
    columns = {field.column for field in InvoiceRoute._meta.concrete_fields}
    assert columns == {
        "id",
        "kelurahan_id",
        "invoice_id",
        "number",
        "kota_id",
        "opd_code",
        "opd_name",
        "total",
        "amount_paid",
        "issued_on",
        "due_on",
        "status",
        "disputed",
        "paid_at",
        "token",
        "created_at",
        "updated_at",
    }
    for word in ("nik", "phone", "address", "payer", "user", "email", "buyer", "seller"):
        assert not any(word in column for column in columns), word


def test_issue_to_an_opd_writes_the_route_and_refuses_unknown_opds(seller: World, tenants: TenantSet) -> None:
    invoice = to_opd(seller, tenants.a)
    route = route_of(invoice, tenants.a)
    assert (route.kota, route.opd_code, route.opd_name, route.number) == (tenants.kota, OPD, OPD_NAME, invoice.number)
    assert (route.total, route.status, route.due_on, route.issued_on) == (
        200_000,
        "sent",
        invoice.due_date,
        invoice.issue_date,
    )
    assert len(route.token) == 32 and invoice.buyer_name == OPD_NAME and invoice.buyer_opd == OPD
    with tenants.a:
        with pytest.raises(ValidationFailed) as unknown:
            services.issue_invoice(
                seller.shop, seller.people.umkm_b, buyer_name="", buyer_opd="dinas-rahasia", lines=LINES
            )
        assert unknown.value.code == "unknown_opd"
        with pytest.raises(ValidationFailed):  # one buyer only
            services.issue_invoice(
                seller.shop,
                seller.people.umkm_b,
                buyer_name="x",
                buyer_opd=OPD,
                buyer_user=seller.people.warga,
                lines=LINES,
            )
    assert InvoiceRoute.objects.filter(kelurahan=tenants.a).count() == 1


def told_in_kota() -> set[str]:
    """Who in the kota hears of an invoice to Disdag: its finance office (the kota's admins, the
    fixture's and the test set-up's own) and Disdag's staff; not DLH's staff, not a warga."""
    admins = User.objects.filter(is_active=True, groups__name=Role.ADMIN).values_list("username", flat=True)
    assert "fr-bpkad" in admins
    return {*admins, "fr-disdag"}


def test_the_finance_office_and_the_opds_staff_hear_of_a_new_invoice_in_the_kota(
    seller: World, kota: Kota, tenants: TenantSet, django_capture_on_commit_callbacks: Any
) -> None:
    with tenants.a, django_capture_on_commit_callbacks(execute=True):
        invoice = to_opd(seller, tenants.a)
    route = route_of(invoice, tenants.a)
    with tenants.kota:
        told = Message.objects.filter(event="invoicing.opd_invoice")
        assert set(told.values_list("recipient__username", flat=True)) == told_in_kota()
        assert all(m.url.endswith(f"/faktur/masuk/{route.pk}/") and invoice.number in m.title for m in told)
        before = told.count()
    with tenants.a, django_capture_on_commit_callbacks(execute=True):
        services.mark_viewed(invoice, None)  # later changes of the invoice notify no one again
    with tenants.kota:
        assert Message.objects.filter(event="invoicing.opd_invoice").count() == before
    with tenants.a:
        assert not Message.objects.filter(event="invoicing.opd_invoice").exists()  # not in the seller's schema


def test_the_invoice_form_addressed_to_an_opd_tells_the_kotas_finance_office(
    seller: World, kota: Kota, tenants: TenantSet, django_capture_on_commit_callbacks: Any
) -> None:
    """The seller's form (`/faktur/baru/`), not the service: once the request commits, the kota's
    finance office and the OPD's staff are notified in the kota's schema (`invoicing.notify_opd`
    through tenancy.fanout); a form refused for an unknown OPD notifies no one."""
    client = logged_in(tenants.a, seller.people.umkm_b)
    form = {"line-1-description": "Snack", "line-1-quantity": "5", "line-1-unit_price": "8000"}
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post("/faktur/baru/", {**form, "buyer_opd": "tidak-ada"})
    assert refused.status_code != 302
    with tenants.kota:
        assert not Message.objects.filter(event="invoicing.opd_invoice").exists()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/faktur/baru/", {**form, "buyer_opd": OPD})
    assert page.status_code == 302
    with tenants.a:
        invoice = Invoice.objects.get(buyer_opd=OPD)
    route = route_of(invoice, tenants.a)
    with tenants.kota:
        told = Message.objects.filter(event="invoicing.opd_invoice")
        assert set(told.values_list("recipient__username", flat=True)) == told_in_kota()
        assert all(m.url.endswith(f"/faktur/masuk/{route.pk}/") and invoice.number in m.title for m in told)


def test_issue_by_form_and_api(seller: World, tenants: TenantSet) -> None:
    client = logged_in(tenants.a, seller.people.umkm_b)
    assert OPD_NAME in client.get("/faktur/baru/").content.decode()
    page = client.post(
        "/faktur/baru/",
        {"buyer_opd": OPD, "line-1-description": "Snack", "line-1-quantity": "5", "line-1-unit_price": "8000"},
    )
    assert page.status_code == 302
    answer = client.post(
        "/api/v1/invoicing/invoices/",
        {"buyer_opd": OPD, "lines": LINES},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=secrets.token_hex(8),
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["buyer_opd"] == OPD and answer.json()["buyer_name"] == OPD_NAME
    assert InvoiceRoute.objects.filter(kelurahan=tenants.a, opd_code=OPD).count() == 2
    bad = client.post(
        "/api/v1/invoicing/invoices/",
        {"buyer_opd": "tidak-ada", "lines": LINES},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=secrets.token_hex(8),
    )
    assert bad.status_code == 422
    assert InvoiceRoute.objects.filter(kelurahan=tenants.a).count() == 2


def test_opd_views_and_pays_by_qris_through_the_token_and_the_route_follows(
    seller: World, kota: Kota, tenants: TenantSet, django_capture_on_commit_callbacks: Any
) -> None:
    invoice = to_opd(seller, tenants.a)
    token = route_of(invoice, tenants.a).token
    anonymous = client_for(tenants.a)
    page = anonymous.get(f"/faktur/opd/{token}/")
    assert page.status_code == 200 and invoice.number in page.content.decode()
    assert route_of(invoice, tenants.a).status == "viewed"
    assert anonymous.get(f"/faktur/opd/{token}/pdf/")["Content-Type"] == "application/pdf"
    assert client_for(tenants.b).get(f"/faktur/opd/{token}/").status_code == 404  # another kelurahan's host
    assert anonymous.get(f"/faktur/opd/{'0' * 32}/").status_code == 404
    assert anonymous.post(f"/faktur/opd/{token}/bayar/", {"amount": "50000"}).status_code == 302
    assert 'data-testid="opd-qris"' in anonymous.get(f"/faktur/opd/{token}/").content.decode()
    with tenants.a:
        bill = Invoice.objects.get(pk=invoice.pk).open_request
        assert bill is not None and bill.amount == 50_000
        charge = GatewayCharge.objects.filter(payment_request=bill).latest("id")
        with django_capture_on_commit_callbacks(execute=True):
            payments.sandbox_pay(charge.order_id)
    route = route_of(invoice, tenants.a)
    assert (route.status, route.amount_paid) == ("partly_paid", 50_000)
    anonymous.post(f"/faktur/opd/{token}/bayar/")
    with tenants.a:
        bill = Invoice.objects.get(pk=invoice.pk).open_request
        assert bill is not None and bill.amount == 150_000
        charge = GatewayCharge.objects.filter(payment_request=bill).latest("id")
        with django_capture_on_commit_callbacks(execute=True):
            payments.sandbox_pay(charge.order_id)
    route = route_of(invoice, tenants.a)
    assert (route.status, route.amount_paid) == ("paid", 200_000) and route.paid_at is not None
    detail = logged_in(tenants.kota, kota.opd_staff).get(f"/faktur/masuk/{route.pk}/")
    assert detail.status_code == 200 and "Lunas" in detail.content.decode()


def test_cancel_and_dispute_update_the_route(seller: World, tenants: TenantSet) -> None:
    invoice = to_opd(seller, tenants.a)
    with tenants.a:
        services.set_dispute(invoice, seller.people.umkm_b, disputed=True, reason="Jumlah kotak kurang")
    assert route_of(invoice, tenants.a).disputed is True
    with tenants.a:
        services.set_dispute(invoice, seller.people.umkm_b, disputed=False)
        services.cancel(invoice, seller.people.umkm_b, reason="Salah OPD")
    route = route_of(invoice, tenants.a)
    assert (route.status, route.disputed) == ("cancelled", False)
    assert client_for(tenants.a).post(f"/faktur/opd/{route.token}/bayar/").status_code == 302
    with tenants.a:
        assert Invoice.objects.get(pk=invoice.pk).open_request is None  # nothing billed


def test_overdue_sweep_updates_the_route(seller: World, tenants: TenantSet) -> None:
    invoice = to_opd(seller, tenants.a, terms_days=7, issue_date=services.today() - timedelta(days=20))
    with tenants.a:
        services.remind_due()
    assert route_of(invoice, tenants.a).status == "overdue"


def test_role_matrix_of_faktur_masuk(seller: World, kota: Kota, tenants: TenantSet) -> None:
    mine = to_opd(seller, tenants.a)
    theirs = to_opd(seller, tenants.a, code="dlh")
    mine_route, theirs_route = route_of(mine, tenants.a), route_of(theirs, tenants.a)

    finance = logged_in(tenants.kota, kota.finance).get("/faktur/masuk/").content.decode()
    assert mine.number in finance and theirs.number in finance
    staff = logged_in(tenants.kota, kota.opd_staff)
    listing = staff.get("/faktur/masuk/").content.decode()
    assert mine.number in listing and theirs.number not in listing
    assert staff.get(f"/faktur/masuk/{mine_route.pk}/").status_code == 200
    assert staff.get(f"/faktur/masuk/{theirs_route.pk}/").status_code == 404
    assert logged_in(tenants.kota, kota.warga).get("/faktur/masuk/").status_code == 403
    assert client_for(tenants.kota).get("/faktur/masuk/").status_code == 302  # sign in first
    # A kelurahan user (even its admin, even the seller) has no Faktur masuk: a kota page.
    with tenants.b:
        admin_b = User.objects.get(username="admin")
    assert logged_in(tenants.b, admin_b).get("/faktur/masuk/").status_code == 404
    assert logged_in(tenants.a, seller.people.umkm_b).get(f"/faktur/masuk/{mine_route.pk}/").status_code == 404
    assert logged_in(tenants.a, seller.people.warga).get("/faktur/masuk/").status_code == 404


def test_another_kota_and_another_kelurahan_see_nothing(seller: World, kota: Kota, tenants: TenantSet) -> None:
    """Routes are read by their kota (inbox) or their seller's kelurahan (token page) only."""
    invoice = to_opd(seller, tenants.a)
    route = route_of(invoice, tenants.a)
    surabaya = Tenant.objects.create(
        schema_name="kota_3578_test", name="Kota Surabaya", slug="surabaya-test", tenant_type=Tenant.Type.KOTA
    )
    with tenants.b:
        pandean = make_world("frb-")
        reports.ensure_opd(code=OPD, name=OPD_NAME)
    elsewhere = InvoiceRoute.objects.create(
        kelurahan=tenants.b,
        invoice_id=1,
        number="INV-9-2026-0001",
        kota=surabaya,
        opd_code=OPD,
        opd_name="Dinas Perdagangan Kota Surabaya",
        total=1_000,
        issued_on=date(2026, 12, 1),
        due_on=date(2026, 12, 31),
        token="s" * 32,
    )
    listing = logged_in(tenants.kota, kota.finance).get("/faktur/masuk/").content.decode()
    assert invoice.number in listing and elsewhere.number not in listing
    assert logged_in(tenants.kota, kota.finance).get(f"/faktur/masuk/{elsewhere.pk}/").status_code == 404
    # Pandean's host does not open Mojorejo's route, nor list it anywhere.
    assert client_for(tenants.b).get(f"/faktur/opd/{route.token}/").status_code == 404
    assert logged_in(tenants.b, pandean.people.umkm_b).get("/faktur/").content.decode().count(invoice.number) == 0
    with tenants.b:
        assert Invoice.objects.filter(number=invoice.number).count() == 0


def test_faktur_masuk_query_budget(seller: World, kota: Kota, tenants: TenantSet) -> None:
    to_opd(seller, tenants.a)
    made = iter(range(10_000, 20_000))

    def grow(count: int) -> None:  # public rows only: no schema switch between the counts
        for n in (next(made) for _n in range(count)):
            InvoiceRoute.objects.create(
                kelurahan=tenants.a,
                invoice_id=n,
                number=f"INV-1-2026-{n}",
                kota=tenants.kota,
                opd_code=OPD,
                opd_name=OPD_NAME,
                total=1_000,
                issued_on=date(2026, 12, 1),
                due_on=date(2026, 12, 31),
                token=secrets.token_hex(16),
            )

    staff, finance = logged_in(tenants.kota, kota.opd_staff), logged_in(tenants.kota, kota.finance)
    assert_list_budget(fetch=lambda: staff.get("/faktur/masuk/"), grow=grow)
    assert_list_budget(fetch=lambda: finance.get("/faktur/masuk/"), grow=grow)


def test_factoring_prices_an_opd_on_its_history_in_every_kelurahan(
    seller: World, tenants: TenantSet, django_capture_on_commit_callbacks: Any
) -> None:
    invoice = to_opd(seller, tenants.a)
    with tenants.a:
        assert factoring.buyer_key(invoice) == f"opd:{OPD}"
        assert factoring.buyer_days_to_pay(invoice) is None  # no paid history yet
    # Pandean's UMKM were paid by the OPD after 10 and 30 days; another OPD's and another
    # kota's history do not count.
    surabaya = Tenant.objects.create(
        schema_name="kota_3578_fr", name="Kota Surabaya", slug="surabaya-fr", tenant_type=Tenant.Type.KOTA
    )
    for n, (days, code, kota_tenant) in enumerate(
        [(10, OPD, tenants.kota), (30, OPD, tenants.kota), (90, "dlh", tenants.kota), (200, OPD, surabaya)]
    ):
        issued = date(2026, 1, 5)
        InvoiceRoute.objects.create(
            kelurahan=tenants.b,
            invoice_id=1000 + n,
            number=f"INV-1-2026-{n:04d}",
            kota=kota_tenant,
            opd_code=code,
            opd_name="x",
            total=1_000,
            amount_paid=1_000,
            issued_on=issued,
            due_on=issued + timedelta(days=30),
            status=InvoiceRoute.Status.PAID,
            paid_at=payments_time(issued + timedelta(days=days)),
            token=secrets.token_hex(16),
        )
    with tenants.a:
        assert factoring.buyer_days_to_pay(Invoice.objects.get(pk=invoice.pk)) == 20
        business = services.issue_invoice(
            seller.shop, seller.people.umkm_b, buyer_name=OPD_NAME, lines=LINES
        )  # same name, not addressed to the OPD: priced on this schema's history only
        assert factoring.buyer_days_to_pay(business) is None


def payments_time(day: date) -> Any:
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(10, 0), tzinfo=ZoneInfo("Asia/Jakarta"))


def test_the_opd_hears_in_the_kota_that_its_invoice_was_assigned_to_a_lender(
    seller: World, kota: Kota, tenants: TenantSet, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.factoring import services as factoring_services
    from apps.lending import services as lending
    from tests.factoring.conftest import make_product

    invoice = to_opd(seller, tenants.a)
    with tenants.a:
        officer = create_user(username="fr-lkm", full_name="Petugas", roles=[Role.PETUGAS_LKM], password=PASSWORD)
        product = make_product(lending.open_lender(name="fr-BPR", kind="bpr", officers=[officer]))
        with django_capture_on_commit_callbacks(execute=True):
            financing = factoring_services.do_accept_financing(invoice.pk, seller.people.umkm_b, product_id=product.pk)
    with tenants.kota:
        told = Message.objects.filter(event="factoring.assigned")
        assert set(told.values_list("recipient__username", flat=True)) == told_in_kota()
        assert all("fr-BPR" in m.title and invoice.number in m.body for m in told)
    assert financing.buyer_key == f"opd:{OPD}"
