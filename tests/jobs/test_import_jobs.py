"""Imports run as jobs: the bansos dry run and the product import are computed in a Celery task
(eager here, as in `make run`), with progress, heartbeat and row errors on the batch; the page
polls a progress bar; reruns resume without duplicating anything."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from apps.aid import jobs as aid_jobs
from apps.aid import services as aid_services
from apps.aid.import_writer import ChunkWriter
from apps.aid.models import Beneficiary, Enrolment, ImportBatch, JobState
from apps.aid.tasks import run_import_preview
from apps.discovery.models import Listing
from apps.marketplace import import_jobs
from apps.marketplace import services as market_services
from apps.marketplace.models import ImportBatch as ProductImport
from apps.marketplace.models import Product
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant
from tests.aid.conftest import ProgramFactory, csv_file, make_kk, make_nik
from tests.marketplace.conftest import Market, signed_in

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


def bansos_rows(count: int, bad_every: int) -> tuple[list[list[object]], set[int]]:
    """`count` people, every `bad_every`-th row broken (NIK too short); the bad file lines."""
    rows: list[list[object]] = []
    bad: set[int] = set()
    for n in range(count):
        born = date(1960 + n // 9000, 1 + (n // 300) % 12, 1 + (n // 10) % 28)
        nik = make_nik(n % 9000 + 1, born=born)
        if n % bad_every == bad_every - 1:
            nik = nik[:10]
            bad.add(n + 2)
        rows.append([nik, make_kk(n % 9000 + 1), f"Warga {n}", "Jl. Tes", 1 + n % 3, 1 + n % 2, 1_500_000])
    return rows, bad


def test_ten_thousand_row_bansos_import_runs_as_a_job_with_row_errors(
    tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    rows, bad = bansos_rows(10_000, bad_every=500)
    content = csv_file(rows)
    with tenant_a:
        program = make_program(quota=20_000)
        started = time.perf_counter()
        batch = aid_services.preview_import(program, file_name="besar.csv", content=content, by=None)
        seconds = time.perf_counter() - started
        sys.stderr.write(f"\n10,000-row bansos preview job (eager): {seconds:.1f} s\n")
        batch.refresh_from_db()
        assert batch.job_state == JobState.DONE and batch.job_error == ""
        assert (batch.progress_done, batch.progress_total) == (10_000 - len(bad), 10_000 - len(bad))
        assert batch.row_count == 10_000 and len(batch.rows) == 10_000 - len(bad)
        assert {error["line"] for error in batch.errors} == bad and len(bad) == 20
        assert {error["code"] for error in batch.errors} == {"invalid_nik"}
        assert not batch.upload.name  # the file with full NIKs is not kept once staged
        assert not Beneficiary.objects.exists() and not Enrolment.objects.exists()  # a dry run


def test_upload_queues_the_job_and_the_page_polls_a_progress_bar(
    tenant_a: Tenant,
    units_a: dict[tuple[int, int], RukunTetangga],
    make_program: ProgramFactory,
    staff_a: Client,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    """With a broker the request only stores the file and queues the task (bulk queue)."""
    queued: list[tuple[Any, ...]] = []
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(run_import_preview, "delay", lambda *args: queued.append(args))
    with tenant_a:
        program = make_program(quota=20_000)
    rows, _bad = bansos_rows(600, bad_every=1000)
    upload = SimpleUploadedFile("daftar.csv", csv_file(rows))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_a.post("/bansos/impor/", {"program": program.pk, "file": upload})
    assert response.status_code == 302
    with tenant_a:
        batch = ImportBatch.objects.get()
    assert queued == [(batch.pk,)] and batch.job_state == JobState.QUEUED and batch.upload.name
    page = staff_a.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'data-testid="import-progress"' in page
    assert 'data-testid="confirm"' not in page

    # The worker runs it (here in-process), stopped after the first chunk as if killed...
    with tenant_a:
        calls = {"n": 0}
        original = ChunkWriter.run

        def dies_after_one_chunk(*args: Any, **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == 2:
                raise SystemExit("worker killed")
            return original(*args, **kwargs)

        monkeypatch.setattr(ChunkWriter, "run", dies_after_one_chunk)
        with pytest.raises(SystemExit):
            aid_jobs.run_preview(batch.pk)
        batch.refresh_from_db()
        assert batch.job_state == JobState.RUNNING and batch.errors == [] and batch.rows == []
        assert (batch.progress_done, batch.progress_total) == (250, 600)  # the first chunk's progress
        partial = staff_a.get(f"/bansos/impor/{batch.uuid}/", HTTP_HX_REQUEST="true").content.decode()
        assert 'value="250"' in partial and 'max="600"' in partial and 'hx-trigger="every 2s"' in partial
        # ...then the stale sweep queues it again and the rerun computes the dry run again.
        monkeypatch.setattr(ChunkWriter, "run", original)
        type(batch).objects.filter(pk=batch.pk).update(heartbeat_at=batch.heartbeat_at.replace(year=2000))
        with django_capture_on_commit_callbacks(execute=True):
            assert aid_jobs.requeue_stale() == [batch.pk]
        assert queued[-1] == (batch.pk,)
        aid_jobs.run_preview(batch.pk)
        batch.refresh_from_db()
        assert batch.job_state == JobState.DONE and batch.progress_done == 600 and batch.errors == []
        assert aid_jobs.run_preview(batch.pk) is None  # a late duplicate message: nothing to do
    done = staff_a.get(f"/bansos/impor/{batch.uuid}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and 'data-testid="confirm"' in done
    confirm = staff_a.post(f"/bansos/impor/{batch.uuid}/konfirmasi/", HTTP_HX_REQUEST="true")
    assert confirm.status_code == 202 and 'hx-trigger="every 2s"' in confirm.content.decode()  # the confirm job
    with tenant_a:
        assert not Enrolment.objects.exists()
        aid_jobs.run_confirm(batch.pk)
        assert Enrolment.objects.filter(program=program).count() == 600
        assert Beneficiary.objects.count() == 600


def test_confirm_before_the_preview_job_is_done_is_refused(
    tenant_a: Tenant,
    units_a: dict[tuple[int, int], RukunTetangga],
    make_program: ProgramFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(run_import_preview, "delay", lambda *args: None)
    with tenant_a:
        program = make_program(quota=20_000)
        rows, _bad = bansos_rows(3, bad_every=1000)
        batch = aid_services.preview_import(program, file_name="a.csv", content=csv_file(rows), by=None)
        from apps.core.errors import Conflict

        with pytest.raises(Conflict) as info:
            aid_services.confirm_import(batch, by=None)
        assert info.value.code == "import_not_ready" and not Enrolment.objects.exists()


def test_product_import_job_reaches_the_discovery_listing(
    market: Market, tenant_a: Tenant, django_capture_on_commit_callbacks: Capture
) -> None:
    lines = ["SKU,Produk,Harga,Stok"] + [f"IMP-{n},Produk impor {n},{1000 + n},5" for n in range(40)]
    content = ("\n".join(lines) + "\nBAD 1,Rusak,1000,1\n").encode()
    owner = signed_in(tenant_a, market.sri)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            f"/pasar/toko/{market.pecel.slug}/impor/",
            {"kind": "products", "file": SimpleUploadedFile("produk.csv", content)},
        )
    assert response.status_code == 302
    batch = ProductImport.objects.get()
    assert batch.job_state == "done" and (batch.progress_done, batch.progress_total) == (40, 40)
    assert batch.summary == {"create": 40, "update": 0, "errors": 1} and not batch.upload.name
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(response["Location"], {"confirm": "1"})
    batch.refresh_from_db()
    assert batch.status == ProductImport.Status.APPLIED and batch.job_state == "done"
    imported = set(Product.objects.filter(name__startswith="Produk impor").values_list("pk", flat=True))
    assert len(imported) == 40
    previous = connection.tenant
    connection.set_schema_to_public()
    listed = set(
        Listing.objects.filter(tenant=tenant_a, product_ref__in=imported).values_list("product_ref", flat=True)
    )
    connection.set_tenant(previous)
    assert listed == imported
    assert owner.post(response["Location"], {"confirm": "1"}).status_code == 409  # applied once


def test_product_import_apply_job_is_queued_and_idempotent(
    market: Market, tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = b"SKU,Produk,Harga,Stok\nQ-1,Satu,1000,1\nQ-2,Dua,2000,2\n"
    batch = market_services.preview_import(
        market.pecel, market.sri, file_name="p.csv", content=content, kind=ProductImport.Kind.PRODUCTS
    )
    from apps.marketplace.tasks import run_import_apply

    queued: list[tuple[Any, ...]] = []
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(run_import_apply, "delay", lambda *args: queued.append(args))
    started = import_jobs.start_apply(batch, market.sri)
    assert started.job_phase == "apply" and started.job_state == "queued"
    assert import_jobs.start_apply(batch, market.sri).job_state == "queued"  # double submit
    import_jobs.run_apply(batch.pk, market.sri.pk)
    import_jobs.run_apply(batch.pk, market.sri.pk)  # a redelivered message
    batch.refresh_from_db()
    assert batch.status == ProductImport.Status.APPLIED and batch.job_state == "done"
    assert Product.objects.filter(name__in=["Satu", "Dua"]).count() == 2


def test_the_quota_is_counted_across_chunks(
    tenant_a: Tenant,
    units_a: dict[tuple[int, int], RukunTetangga],
    make_program: ProgramFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chunks are rehearsed separately, yet the preview flags the same rows as one rehearsal."""
    monkeypatch.setattr(aid_jobs, "CHUNK_ROWS", 2)
    rows, _bad = bansos_rows(7, bad_every=1000)
    rows[2][0] = "123"  # line 4 is broken: it does not take a place
    with tenant_a:
        program = make_program(quota=4)
        batch = aid_services.preview_import(program, file_name="a.csv", content=csv_file(rows), by=None)
        assert [(e["line"], e["code"]) for e in batch.errors] == [
            (4, "invalid_nik"),
            (7, "over_quota"),
            (8, "over_quota"),
        ]
