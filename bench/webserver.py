"""The gunicorn server bench/web.py measures: production settings, deploy/gunicorn.conf.py.

Everything it makes lives in one temporary folder (settings shim, STATIC_ROOT, Prometheus
multiprocess folder, server log) removed by `stop()`; the only process it starts is the
gunicorn master (own session), stopped by its pid with SIGTERM (SIGKILL after 30 s).
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import log

# Production settings with one change: STATIC_ROOT in the benchmark's temporary folder (the
# setting has no environment variable). Everything else comes from the environment.
SETTINGS_SHIM = '''"""bench/web.py: config.settings.production, STATIC_ROOT in a temporary folder."""
import os
from pathlib import Path

from config.settings.production import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
'''
RAISED_THROTTLE = "1000000/min"  # every request of the benchmark comes from 127.0.0.1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(
        self,
        base_dir: Path,
        production_env: dict[str, str],
        database_url: str,
        redis_url: str,
        workers: int,
        threads: int,
        host: str,
    ) -> None:
        self.base_dir, self.host = base_dir, host
        self.tmp = Path(tempfile.mkdtemp(prefix="kotakita-bench-web-"))
        self.port = free_port()
        inherited = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
        self.env = {
            **inherited,
            **production_env,
            "DJANGO_SETTINGS_MODULE": "bench_web_settings",
            "PYTHONPATH": f"{self.tmp}{os.pathsep}{base_dir}",
            "BENCH_STATIC_ROOT": str(self.tmp / "static"),
            "DATABASE_URL": database_url,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_MAX_REQUESTS": "0",  # no worker recycling in the middle of a cell
            "GUNICORN_ACCESS_LOG": "-",
            "PROMETHEUS_MULTIPROC_DIR": str(self.tmp / "metrics"),
            "THROTTLE_ANON": RAISED_THROTTLE,
            "THROTTLE_USER": RAISED_THROTTLE,
        }
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        else:
            self.env.pop("REDIS_URL", None)  # in-process cache, eager Celery
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.tmp / "server.log"

    def start(self, timeout: float = 90.0) -> None:
        (self.tmp / "bench_web_settings.py").write_text(SETTINGS_SHIM, encoding="utf-8")
        (self.tmp / "metrics").mkdir()
        log("collectstatic (production settings) into a temporary STATIC_ROOT")
        done = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=self.base_dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"collectstatic failed:\n{done.stdout}\n{done.stderr}")
        log(
            f"starting gunicorn on 127.0.0.1:{self.port} ({self.env['WEB_CONCURRENCY']} workers × "
            f"{self.env['GUNICORN_THREADS']} threads, config.settings.production)"
        )
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"],
                cwd=self.base_dir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.tail()}")
            if self._ready():
                log(f"gunicorn ready (pid {self.proc.pid})")
                return
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s:\n{self.tail()}")

    def _ready(self) -> bool:
        """The tenant's home page answers 200 (the workers import Django lazily)."""
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            conn.request("GET", "/", headers={"Host": self.host, "X-Forwarded-Proto": "https"})
            status = conn.getresponse().status
            conn.close()
        except OSError:
            return False
        if status != 200:
            raise RuntimeError(f"the tenant's home page answered {status}:\n{self.tail()}")
        return True

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def error_lines(self) -> list[str]:
        """Log lines of errors and tracebacks (the JSON logs say "level": "error")."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        marks = ('"level": "error"', '"level": "critical"', "Traceback", "[ERROR]", "[CRITICAL]")
        return [line[:400] for line in text.splitlines() if any(mark in line for mark in marks)]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            log(f"gunicorn stopped (pid {self.proc.pid})")
        self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)
