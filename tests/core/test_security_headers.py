"""Every page carries the CSP (nonce-based scripts, no framing), Referrer-Policy and
Permissions-Policy headers; no template uses inline event handlers the CSP would block."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client

from config.security_headers import origin_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def test_pages_carry_the_security_headers(client_a: Client, settings: Any) -> None:
    response = client_a.get("/")
    assert response.status_code == 200
    csp = directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'self'" in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = response["Permissions-Policy"]
    assert "geolocation=(self)" in policy and "camera=(self)" in policy and "microphone=()" in policy


def test_a_template_may_use_the_nonce(rf: Any) -> None:
    request = rf.get("/")
    middleware = CSPMiddleware(lambda r: None)  # type: ignore[arg-type, return-value]
    middleware.process_request(request)
    html = Template('<script nonce="{{ request.csp_nonce }}">1</script>').render(Context({"request": request}))
    nonce = re.search(r'nonce="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    header = middleware.process_response(request, HttpResponse(html))["Content-Security-Policy"]
    assert f"'nonce-{nonce}'" in directives(header)["script-src"]


@pytest.mark.parametrize(
    ("template", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.id:8443/{z}/{x}/{y}.png", "https://*.tile.example.id:8443"),
        ("/tiles/{z}/{x}/{y}.png", ""),
    ],
)
def test_tile_origin(template: str, origin: str) -> None:
    assert origin_of(template) == origin


def test_no_inline_scripts_or_event_handlers_in_templates() -> None:
    offenders = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("apps/*/templates/**/*.html")]:
        text = path.read_text()
        if re.search(r"\son[a-z]+\s*=", text) or re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
