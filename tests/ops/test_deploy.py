"""deploy/: systemd units that systemd itself accepts, a gunicorn config that loads, a Procfile,
and a worker for every Celery queue."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
SERVICES = ["kotakita-web.service", "kotakita-beat.service", "kotakita-worker@.service"]


def rendered_units(tmp_path: Path) -> Path:
    """The units with /opt/kotakita pointing at this checkout, so ExecStart= binaries exist."""
    (tmp_path / "kotakita.env").write_text((DEPLOY / "kotakita.env.example").read_text())
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/opt/kotakita", str(ROOT)).replace("/etc/kotakita", str(tmp_path))
        (tmp_path / unit.name).write_text(text)
    return tmp_path


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here: the units are checked where systemd is")
    folder = rendered_units(tmp_path)
    names = ["kotakita-web.service", "kotakita-beat.service", "kotakita.target"]
    names += ["kotakita-backup.service", "kotakita-backup.timer"]
    names += [f"kotakita-worker@{queue}.service" for queue in settings.KOTAKITA_CELERY_QUEUES]
    result = subprocess.run(
        [analyze, "verify", "--man=no", *[f"./{name}" for name in names]],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # systemd only warns (exit 0) on a directive it cannot parse: any output is a failure.
    assert result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(), result.stderr


def test_every_service_restarts_and_reads_the_env_file() -> None:
    for name in SERVICES:
        text = (UNITS / name).read_text()
        assert re.search(r"^Restart=(always|on-failure)$", text, re.M), name
        assert "EnvironmentFile=/etc/kotakita/kotakita.env" in text, name
        assert "PartOf=kotakita.target" in text, name


def test_every_queue_has_a_worker() -> None:
    target = (UNITS / "kotakita.target").read_text()
    procfile = (ROOT / "Procfile").read_text()
    for queue in settings.KOTAKITA_CELERY_QUEUES:
        assert f"kotakita-worker@{queue}.service" in target, queue
        assert re.search(rf"^worker_{queue}: celery -A config worker --queues={queue} ", procfile, re.M), queue
    assert re.search(r"^web: gunicorn --config deploy/gunicorn.conf.py$", procfile, re.M)
    assert re.search(r"^beat: celery -A config beat", procfile, re.M)
    assert procfile.count("beat:") == 1  # one beat, or every periodic job runs twice


def test_the_gunicorn_config_loads_with_values_from_the_environment() -> None:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed (requirements/production.txt)")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "WEB_CONCURRENCY": "3",
        "GUNICORN_THREADS": "6",
        "GUNICORN_TIMEOUT": "45",
    }
    result = subprocess.run(
        [str(gunicorn), "--check-config", "--print-config", "--config", str(DEPLOY / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    values = dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.M))
    assert values["workers"] == "3" and values["threads"] == "6" and values["timeout"] == "45"
    assert values["worker_class"] == "gthread" and values["wsgi_app"] == "config.wsgi:application"
    assert values["forwarded_allow_ips"] == "['127.0.0.1']"


def test_the_backup_runs_nightly_as_a_oneshot() -> None:
    service = (UNITS / "kotakita-backup.service").read_text()
    timer = (UNITS / "kotakita-backup.timer").read_text()
    assert "Type=oneshot" in service and "ExecStart=/opt/kotakita/scripts/backup.sh" in service
    assert "EnvironmentFile=/etc/kotakita/kotakita.env" in service
    assert re.search(r"^OnCalendar=", timer, re.M) and "Persistent=true" in timer
    assert "Wants=kotakita-backup.timer" in (UNITS / "kotakita.target").read_text()
    assert os.access(ROOT / "scripts" / "backup.sh", os.X_OK)
