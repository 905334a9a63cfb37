"""Web processes stay light: loading every URLconf and every app's views/api/admin modules must
not import the heavy scientific stack (xgboost with scikit-learn and SciPy, the VRP solvers
OR-Tools and PyVRP, pandas). Those belong to Celery tasks and the engines they call, imported
lazily; importing them in a web process made the first request after boot take 3-15 s."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("xgboost", "sklearn", "scipy", "ortools", "pyvrp", "pandas")
ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, json, sys
import django
django.setup()
from django.apps import apps
from django.urls import get_resolver
from django.urls.resolvers import URLResolver

def walk(patterns):
    count = 0
    for p in patterns:
        count += 1
        if isinstance(p, URLResolver):
            count += walk(p.url_patterns)
    return count

walked = sum(walk(get_resolver(name).url_patterns) for name in ("config.urls_tenant", "config.urls_public"))
imported = []
for cfg in apps.get_app_configs():
    if not cfg.name.startswith("apps."):
        continue
    for sub in ("views", "api", "api.views", "api.urls", "api.serializers", "admin", "urls", "selectors", "services"):
        name = f"{cfg.name}.{sub}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue  # the app has no such module
            raise
        imported.append(name)
print(json.dumps({"walked": walked, "imported": imported, "heavy": sorted(m for m in HEAVY if m in sys.modules)}))
"""


def test_urlconfs_and_app_modules_do_not_import_the_scientific_stack() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{PROBE}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["walked"] > 100  # the walk really reached the apps' patterns
    assert "apps.fulfillment.api.views" in result["imported"]
    assert "apps.insights.views" in result["imported"]
    assert result["heavy"] == [], f"web modules imported {result['heavy']}"
