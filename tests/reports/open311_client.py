"""A small Open311 GeoReport v2 client written from the specification alone.

It knows nothing of the server's code: it builds the spec's requests (paths relative to the
endpoint root, `.json`/`.xml` format suffix, form-encoded POST with `attribute[code]`
fields) and parses the spec's documents in either format into plain Python values. The
transport is injected (any callable doing HTTP), so it can drive a test client or a socket.

XML shapes per the spec: `<discovery>` with `<endpoints><endpoint>…<formats><format>`;
`<services><service>`; `<service_definition>` with `<attributes><attribute>…<values><value>`;
`<service_requests><request>` (requests, POST answers, tokens); `<errors><error>`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

# transport(method, path, query, form) -> (status, content_type, body)
Transport = Callable[[str, str, Mapping[str, str], Sequence[tuple[str, str]] | None], tuple[int, str, bytes]]

# Child elements that the spec defines as lists, by their parent's tag.
_LIST_PARENTS = {"endpoints", "formats", "attributes", "values", "services", "service_requests", "errors"}
_BOOLEANS = {"metadata", "required", "variable"}
_NUMBERS = {"lat", "long"}
_INTEGERS = {"order", "max_requests"}


class Open311Error(Exception):
    """A 4xx/5xx answer: the spec's list of {code, description}."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"HTTP {status}: {errors}")
        self.status = status
        self.errors = errors


@dataclass
class Response:
    status: int
    content_type: str
    data: Any


def _convert(tag: str, text: str | None, parent: str) -> Any:
    """Typed values as the spec defines them (XML carries only text)."""
    if text is None or text == "":
        return None
    if tag in _BOOLEANS:
        return text.strip().lower() == "true"
    if tag in _NUMBERS:
        return float(text)
    if tag in _INTEGERS or (tag == "code" and parent == "error"):  # an error's code is its HTTP status
        return int(text)
    return text


def _element(node: ElementTree.Element, parent: str = "") -> Any:
    children = list(node)
    if node.tag in _LIST_PARENTS:
        return [_element(child, node.tag) for child in children]
    if not children:
        return _convert(node.tag, node.text, parent)
    return {child.tag: _element(child, node.tag) for child in children}


def parse_xml(body: bytes) -> Any:
    root = ElementTree.fromstring(body)  # noqa: S314 - our own test server's answer
    return _element(root)


def parse_datetime(value: str) -> datetime:
    """The spec's ISO 8601 with a zone (Z or ±HH:MM); a zone-less value is a server bug."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, f"date-time without a zone: {value}"
    return parsed


class Open311Client:
    def __init__(self, transport: Transport, *, fmt: str = "json", jurisdiction_id: str | None = None) -> None:
        assert fmt in ("json", "xml")
        self.transport = transport
        self.fmt = fmt
        self.jurisdiction_id = jurisdiction_id

    # --- plumbing ---

    def _query(self, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
        query = {k: v for k, v in (extra or {}).items() if v is not None}
        if self.jurisdiction_id:
            query["jurisdiction_id"] = self.jurisdiction_id
        return query

    def call(
        self,
        method: str,
        resource: str,
        query: Mapping[str, str | None] | None = None,
        form: Sequence[tuple[str, str]] | None = None,
        *,
        suffix: bool = True,
    ) -> Response:
        path = f"{resource}.{self.fmt}" if suffix else resource
        status, content_type, body = self.transport(method, path, self._query(query), form)
        if "json" in content_type:
            data = json.loads(body) if body else None
        elif "xml" in content_type:
            data = parse_xml(body)
        else:
            raise AssertionError(f"unexpected Content-Type {content_type!r}")
        if status >= 400:
            assert isinstance(data, list), f"errors must be a list, got {data!r}"
            raise Open311Error(status, data)
        return Response(status, content_type, data)

    # --- the spec's methods ---

    def discovery(self) -> dict[str, Any]:
        return self.call("GET", "discovery").data  # type: ignore[no-any-return]

    def services(self) -> list[dict[str, Any]]:
        return self.call("GET", "services").data  # type: ignore[no-any-return]

    def service_definition(self, service_code: str) -> dict[str, Any]:
        return self.call("GET", f"services/{service_code}").data  # type: ignore[no-any-return]

    def create_request(
        self,
        *,
        api_key: str | None,
        service_code: str | None,
        lat: float | None = None,
        long: float | None = None,
        address_string: str | None = None,
        attributes: Mapping[str, str | Sequence[str]] | None = None,
        **optional: str,
    ) -> list[dict[str, Any]]:
        """POST requests; returns [{service_request_id | token, service_notice, account_id}]."""
        form: list[tuple[str, str]] = []
        for name, value in (
            ("api_key", api_key),
            ("service_code", service_code),
            ("lat", None if lat is None else repr(lat)),
            ("long", None if long is None else repr(long)),
            ("address_string", address_string),
            ("jurisdiction_id", self.jurisdiction_id),
        ):
            if value is not None:
                form.append((name, value))
        form += list(optional.items())
        for code, value in (attributes or {}).items():
            if isinstance(value, str):
                form.append((f"attribute[{code}]", value))
            else:
                form += [(f"attribute[{code}][]", v) for v in value]
        return self.call("POST", "requests", form=form).data  # type: ignore[no-any-return]

    def requests(
        self,
        *,
        service_request_id: Sequence[str] | None = None,
        service_code: Sequence[str] | None = None,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        def stamp(value: datetime | str | None) -> str | None:
            return value.isoformat() if isinstance(value, datetime) else value

        query = {
            "service_request_id": ",".join(service_request_id) if service_request_id else None,
            "service_code": ",".join(service_code) if service_code else None,
            "start_date": stamp(start_date),
            "end_date": stamp(end_date),
            "status": status,
        }
        return self.call("GET", "requests", query).data  # type: ignore[no-any-return]

    def request(self, service_request_id: str) -> dict[str, Any]:
        found = self.call("GET", f"requests/{service_request_id}").data
        assert isinstance(found, list) and len(found) == 1
        return found[0]  # type: ignore[no-any-return]

    def token(self, token: str) -> list[dict[str, Any]]:
        return self.call("GET", f"tokens/{token}").data  # type: ignore[no-any-return]


def django_transport(client: Any, root: str = "/open311/v2/") -> Transport:
    """Adapter for django.test.Client (or anything with .get/.post(path, data, content_type))."""

    def send(
        method: str, path: str, query: Mapping[str, str], form: Sequence[tuple[str, str]] | None
    ) -> tuple[int, str, bytes]:
        url = root + path + (f"?{urlencode(query)}" if query and method == "GET" else "")
        if method == "GET":
            response = client.get(url)
        else:
            body = urlencode([*(form or []), *((k, v) for k, v in query.items() if k not in dict(form or []))])
            response = client.generic(method, url, body, content_type="application/x-www-form-urlencoded")
        return response.status_code, response.get("Content-Type", ""), response.content

    return send
