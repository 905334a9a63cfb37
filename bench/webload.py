"""The load generator of bench/web.py: a small asyncio HTTP/1.1 keep-alive client.

Each concurrent client is one coroutine with its own keep-alive connection, sending one
request at a time (closed loop): send, read the whole answer (Content-Length, chunked or
until close), record the latency, repeat until the cell's deadline (or request cap). A cell's
requests/s is the completed requests over the wall time from its start to its last answer.
Requests look like a browser's behind the TLS proxy: the tenant's Host, `X-Forwarded-Proto:
https`, Accept-Encoding gzip, Accept-Language id, the session cookie for signed-in pages.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from benchlib import log, percentile

TIMEOUT_S = 30.0


@dataclass
class Page:
    name: str
    kind: str  # baseline, html, api, open311
    paths: list[str]
    user: str | None = None


@dataclass
class Cell:
    page: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0
    bytes: int = 0

    @property
    def n(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != "200")

    @property
    def rps(self) -> float:
        return self.n / self.wall_s if self.wall_s else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 95)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)

    def as_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "concurrency": self.concurrency,
            "n": self.n,
            "requests_per_s": self.rps,
            "p50_ms": self.p50 * 1000,
            "p95_ms": self.p95 * 1000,
            "p99_ms": self.p99 * 1000,
            "errors": self.errors,
            "statuses": dict(self.statuses),
            "mean_bytes": self.bytes / self.n if self.n else 0,
            "wall_s": self.wall_s,
        }


# --- sign-in through the real form ------------------------------------------------------------


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _eq, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def sign_in(port: int, host: str, username: str, password: str) -> str:
    """GET the sign-in form (CSRF cookie + token), POST it as a browser does over HTTPS; the
    Cookie header of the signed-in session."""
    base = {"Host": host, "X-Forwarded-Proto": "https", "User-Agent": "kotakita-bench"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    conn.request("GET", "/akun/masuk/", headers=base)
    form = conn.getresponse()
    html = form.read().decode("utf-8", errors="replace")
    jar = _cookies(form)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if form.status != 200 or token is None or "csrftoken" not in jar:
        raise RuntimeError(f"sign-in form: status {form.status}, no CSRF token/cookie")
    body = urlencode({"csrfmiddlewaretoken": token.group(1), "username": username, "password": password})
    conn.request(
        "POST",
        "/akun/masuk/",
        body=body,
        headers={
            **base,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
            "Referer": f"https://{host}/akun/masuk/",
            "Origin": f"https://{host}",
        },
    )
    answer = conn.getresponse()
    answer.read()
    jar.update(_cookies(answer))
    conn.close()
    if answer.status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"sign-in of {username} failed: status {answer.status}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# --- HTTP/1.1 on asyncio streams --------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool, int]:
    """(status, connection reusable, body bytes)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    keep = headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        size = int(headers["content-length"])
        await reader.readexactly(size)
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        size = 0
        while True:
            chunk = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if chunk == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                break
            await reader.readexactly(chunk + 2)
            size += chunk
    else:
        size = len(await reader.read())
        keep = False
    return status, keep, size


def request_bytes(host: str, path: str, cookie: str | None, kind: str) -> bytes:
    accept = "application/json" if kind in {"api", "open311"} else "text/html,*/*;q=0.8"
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "X-Forwarded-Proto: https",
        f"Accept: {accept}",
        "Accept-Encoding: gzip",
        "Accept-Language: id",
        "User-Agent: kotakita-bench",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def run_cell(
    port: int, host: str, page: Page, cookie: str | None, concurrency: int, duration: float, cap: int
) -> Cell:
    cell = Cell(page=page.name, concurrency=concurrency)
    requests = [request_bytes(host, path, cookie, page.kind) for path in page.paths]
    sent = 0
    deadline = time.perf_counter() + duration

    async def client(index: int) -> None:
        nonlocal sent
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        i = index
        while time.perf_counter() < deadline and (not cap or sent < cap):
            sent += 1
            try:
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                start = time.perf_counter()
                writer.write(requests[i % len(requests)])
                i += 1
                await writer.drain()
                status, keep, size = await asyncio.wait_for(read_response(reader), TIMEOUT_S)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
                cell.statuses[type(exc).__name__] += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            cell.latencies.append(time.perf_counter() - start)
            cell.statuses[str(status)] += 1
            cell.bytes += size
            if not keep:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(concurrency)))
    cell.wall_s = time.perf_counter() - started
    return cell


def measure(port: int, host: str, chosen: list[Page], cookies: dict[str, str], args: argparse.Namespace) -> list[Cell]:
    """Every page at every concurrency: the levels in the outer loop, so each level's
    baselines are measured next to its pages."""
    cells: list[Cell] = []

    async def run() -> None:
        for page in chosen:  # warm-up: templates, plans, the page caches, both workers
            cookie = cookies.get(page.user) if page.user else None
            # Each path once first: a page that rotates through 50 products is measured with
            # the cache a live site has for them, not with its first visits.
            await run_cell(port, host, page, cookie, 1, 120.0, len(page.paths))
            await run_cell(port, host, page, cookie, 4, args.warmup, 0)
        for level in args.concurrency:
            for page in chosen:
                cookie = cookies.get(page.user) if page.user else None
                cell = await run_cell(port, host, page, cookie, level, args.duration, args.requests)
                cells.append(cell)
                statuses = ", ".join(f"{s}×{n}" for s, n in sorted(cell.statuses.items()))
                log(
                    f"  c={level:<3} {page.name:<14} {cell.rps:8.1f} req/s  p50 {cell.p50 * 1000:7.1f} ms  "
                    f"p95 {cell.p95 * 1000:7.1f} ms  [{statuses}]"
                )

    log(f"load: {len(chosen)} pages × concurrency {args.concurrency} × {args.duration:g} s")
    asyncio.run(run())
    return cells
