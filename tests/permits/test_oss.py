"""The OSS/NIB adapter: sandbox behaves like the remote API; HTTP maps the API's answers; services map errors."""

from __future__ import annotations

import io
import json
import urllib.error
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest

from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.permits import oss, services
from apps.permits.models import OssConfig, PermitEvent
from apps.sandbox.models import SandboxNib
from apps.tenancy.models import Tenant

from .conftest import NIK, People, logged_in, submitted_permit

pytestmark = pytest.mark.django_db


def app(**overrides: Any) -> oss.NibApplication:
    data: dict[str, Any] = {
        "nik": NIK,
        "owner_name": "Sri Rahayu",
        "business_name": "Pecel Madiun Bu Sri",
        "kbli_code": "56102",
        "address": "Jl. Mojorejo No. 12",
        "lat": Decimal("-7.6375"),
        "lng": Decimal("111.5347"),
        "capital": 25_000_000,
        "workers": 2,
        "products": "Nasi pecel",
    }
    data.update(overrides)
    return oss.NibApplication(**data)


def test_sandbox_validates_finds_registers_and_times_out(tenant_a: Tenant) -> None:
    with tenant_a:
        client = oss.client()
        assert isinstance(client, oss.SandboxOssClient)
        with pytest.raises(oss.OssValidationError) as bad:
            client.lookup_nib("12345")
        assert "nib" in bad.value.errors
        with pytest.raises(oss.OssNotFound):
            client.lookup_nib("9999999999999")
        with pytest.raises(oss.OssValidationError) as invalid:
            client.register(app(nik="123", kbli_code="00000", capital=2_000_000_000, lat=None))
        assert set(invalid.value.errors) == {"nik", "kbli", "capital", "location"}
        first = client.register(app())
        assert oss.NIB_RE.match(first.nib) and first.kbli_codes == ("56102",) and first.status == "aktif"
        # one NIB per person: a second business adds its KBLI to the same NIB
        second = client.register(app(business_name="Keripik Tempe", kbli_code="10794"))
        assert second.nib == first.nib and second.kbli_codes == ("56102", "10794")
        assert client.lookup_nib(first.nib).kbli_codes == ("56102", "10794")
        assert SandboxNib.objects.get().nik_digest != NIK  # the sandbox keeps no NIK either
        OssConfig.objects.create(simulate_failure=True)
        with pytest.raises(oss.OssUnavailable):
            oss.client().lookup_nib(first.nib)


def _http_response(payload: dict[str, Any]) -> mock.MagicMock:
    response = mock.MagicMock()
    response.__enter__.return_value.read.return_value = json.dumps(payload).encode()
    return response


def _http_error(code: int, payload: dict[str, Any] | None = None) -> urllib.error.HTTPError:
    body = io.BytesIO(json.dumps(payload or {}).encode())
    return urllib.error.HTTPError("https://oss.example/api/nib", code, "x", {}, body)  # type: ignore[arg-type]


def test_http_client_speaks_json_and_maps_errors() -> None:
    client = oss.HttpOssClient("https://oss.example/api/", token="rahasia", timeout=3)
    record = {
        "nib": "9120301234567",
        "nama_usaha": "Pecel",
        "kbli": ["56102"],
        "status": "aktif",
        "tanggal_terbit": "2025-01-02",
    }
    with mock.patch("urllib.request.urlopen", return_value=_http_response(record)) as call:
        found = client.lookup_nib("9120301234567")
    request = call.call_args.args[0]
    assert request.full_url == "https://oss.example/api/nib/9120301234567" and request.get_method() == "GET"
    assert request.get_header("Authorization") == "Bearer rahasia" and call.call_args.kwargs["timeout"] == 3
    assert found.kbli_codes == ("56102",) and found.issued_on is not None and found.issued_on.year == 2025

    with mock.patch("urllib.request.urlopen", return_value=_http_response(record)) as call:
        client.register(app())
    request = call.call_args.args[0]
    assert request.full_url == "https://oss.example/api/nib" and request.get_method() == "POST"
    assert NIK not in request.full_url and json.loads(request.data)["nik"] == NIK  # in the body only

    cases: list[tuple[Exception, type[Exception]]] = [
        (_http_error(404), oss.OssNotFound),
        (_http_error(422, {"errors": {"kbli": "tidak dikenal"}}), oss.OssValidationError),
        (_http_error(400), oss.OssValidationError),
        (_http_error(500), oss.OssUnavailable),
        (_http_error(429), oss.OssUnavailable),
        (urllib.error.URLError("timed out"), oss.OssUnavailable),
        (TimeoutError(), oss.OssUnavailable),
    ]
    for error, expected in cases:
        with mock.patch("urllib.request.urlopen", side_effect=error), pytest.raises(expected) as info:
            client.lookup_nib("9120301234567")
        if isinstance(info.value, oss.OssValidationError) and error.code == 422:  # type: ignore[attr-defined]
            assert info.value.errors == {"kbli": "tidak dikenal"}
    broken = mock.MagicMock()
    broken.__enter__.return_value.read.return_value = b"<html>gateway</html>"
    with mock.patch("urllib.request.urlopen", return_value=broken), pytest.raises(oss.OssUnavailable):
        client.lookup_nib("9120301234567")
    other = _http_response({**record, "nib": "9120301234568"})
    with mock.patch("urllib.request.urlopen", return_value=other), pytest.raises(oss.OssUnavailable):
        client.lookup_nib("9120301234567")  # an answer about another NIB is not trusted


def test_services_attach_and_register_nib(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
        with pytest.raises(ValidationFailed) as bad:
            services.attach_nib(permit, people.owner, "12")
        assert bad.value.code == "invalid_nib"
        with pytest.raises(NotFound) as missing:
            services.attach_nib(permit, people.owner, "9999999999999")
        assert missing.value.code == "nib_not_found" and missing.value.status_code == 404
        SandboxNib.objects.create(nib="9100000000009", business_name="Lain", kbli_codes=["10794"])
        with pytest.raises(ValidationFailed, match="tidak mencakup KBLI 56102"):
            services.attach_nib(permit, people.owner, "9100000000009")
        with pytest.raises(Forbidden):
            services.attach_nib(permit, people.ketua_rt, "9100000000009")
        registered = services.register_nib(permit, people.owner)
        assert registered.nib and registered.nib_business_name == "Pecel Madiun Bu Sri"
        assert PermitEvent.objects.filter(permit=permit, action="nib").count() == 1
        with pytest.raises(Conflict):
            services.register_nib(permit, people.owner)
        OssConfig.objects.create(simulate_failure=True)
        other = submitted_permit(people, business_name="Keripik Tempe", kbli_code="10794")
        with pytest.raises(services.OssUnavailableError) as down:
            services.attach_nib(other, people.staf, registered.nib)
        assert down.value.status_code == 503


def test_nib_over_the_api(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
        SandboxNib.objects.create(nib="9100000000001", business_name="Pecel Bu Sri", kbli_codes=["56102"])
    owner = logged_in(tenant_a, people.owner)
    missing = owner.post(f"/api/v1/permits/{permit.pk}/nib/", {"nib": "9100000000002"}, content_type="application/json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "nib_not_found"
    ok = owner.post(f"/api/v1/permits/{permit.pk}/nib/", {"nib": "9100000000001"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["nib"] == "9100000000001"
    with tenant_a:
        OssConfig.objects.create(simulate_failure=True)
        other = submitted_permit(people, business_name="Keripik", kbli_code="10794")
    down = owner.post(f"/api/v1/permits/{other.pk}/nib/register/")
    assert down.status_code == 503 and down.json()["error"]["code"] == "oss_unavailable"
