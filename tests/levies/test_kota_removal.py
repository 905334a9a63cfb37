"""A kota removed (archived) withdraws the open payer copies of its bills in its kelurahan, so
none can be paid into a clearing account whose register is gone; restored, it reopens them for
the same payers. Committed data: removal and restore run their own transactions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import Conflict
from apps.levies import services
from apps.levies.models import Levy
from apps.payments import services as payments
from apps.payments.models import PaymentRequest
from apps.tenancy import schema_copy
from apps.tenancy import services as tenancy
from apps.tenancy.models import LevyBillRoute, Tenant, TenantArchive
from apps.tenancy.restore import restore_archive
from tests.conftest import PASSWORD, TenantSet
from tests.levies.test_pages import logged_in


@pytest.fixture
def archive_dir(settings: Any, tmp_path: Path) -> Path:
    settings.TENANT_ARCHIVE_DIR = tmp_path
    return tmp_path


def _live(number: str) -> list[PaymentRequest]:
    return list(PaymentRequest.objects.filter(reference=f"levy:{number}", status="open"))


def test_removing_a_kota_withdraws_its_payer_copies_and_restoring_reopens_them(
    tenants: TenantSet, committed: None, archive_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kota = tenancy.activate_region("35.78", tenant_type="kota").tenant  # Kota Surabaya
    kel = tenancy.activate_region("35.78.05.1001").tenant
    restored: Tenant | None = None
    try:
        assert Tenant.objects.get(pk=kel.pk).parent_id == kota.pk
        with kel:
            warga = create_user(username="lvrm-warga", full_name="Warga", roles=[Role.WARGA], password=PASSWORD)
            payments.top_up(payments.ensure_wallet(warga), 100_000, reference="t", idempotency_key="lvrm")
        with kota:
            levy = services.do_save_levy(
                code="RMSMP", name="Retribusi sampah", kind="retribusi", tariff=15_000, period="monthly", perda="P"
            )
            bill = services.do_issue_bill(levy, kelurahan=kel, payer_name="Warga", payer_account="lvrm-warga")
            paid = services.do_issue_bill(
                levy, kelurahan=kel, payer_name="Warga", payer_account="lvrm-warga", period_label="2026-11"
            )
        with kel:
            [copy] = _live(bill.number)
            payments.pay_request_with_wallet(_live(paid.number)[0], warga, idempotency_key="lvrm-1")
        assert LevyBillRoute.objects.get(number=paid.number).status == "paid"

        # A removal that fails gives the copies back (a new copy, the same payer).
        def broken_dump(schema_name: str, tenant_type: str, folder: Path) -> None:
            raise RuntimeError("COPY failed: no space left")

        monkeypatch.setattr(schema_copy, "dump_schema_data", broken_dump)
        with pytest.raises(RuntimeError):
            tenancy.remove_tenant(kota)
        monkeypatch.undo()
        with kel:
            [again] = _live(bill.number)
            assert again.pk != copy.pk and again.payer == warga
            copy = again

        archive = tenancy.remove_tenant(kota, reason="Kota berhenti berlangganan")
        with kel:
            copy.refresh_from_db()
            assert copy.status == "cancelled" and "tidak lagi menagih" in copy.cancel_reason
            assert PaymentRequest.objects.get(reference=f"levy:{paid.number}").status == "paid"  # untouched
            with pytest.raises(Conflict):
                payments.pay_request_with_wallet(copy, warga, idempotency_key="lvrm-2")
        page = logged_in(kel, warga).get("/tagihan/")
        assert b'data-testid="withdrawn-levy-bills"' in page.content and bill.number.encode() in page.content

        restored = restore_archive(Path(archive.path))
        assert Tenant.objects.get(pk=kel.pk).parent_id == restored.pk
        with kel:
            [reopened] = _live(bill.number)
            assert reopened.pk != copy.pk and reopened.payer == warga and reopened.amount == 15_000
            payments.pay_request_with_wallet(reopened, warga, idempotency_key="lvrm-3")
        assert LevyBillRoute.objects.get(number=bill.number).status == "paid"
        with restored:
            assert Levy.objects.get(code="RMSMP").bills.get(number=bill.number).status == "paid"
    finally:
        for tenant in (restored, kel, kota if restored is None else None):
            if tenant is not None and Tenant.objects.filter(pk=tenant.pk).exists():
                tenancy.remove_tenant(tenant)
        TenantArchive.objects.filter(code__in=["35.78", "35.78.05.1001"]).delete()
