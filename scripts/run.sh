#!/usr/bin/env bash
# Start KotaKita with the demo tenants: migrate (skips what is current), seed, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
host=${1:-${HOST:-127.0.0.1}}  # loopback unless told otherwise (HOST=0.0.0.0 make run)
port=${2:-8000}
py=.venv/bin/python

echo "KotaKita: migrating and seeding the demo (the first start creates the database: a few minutes)..."
$py manage.py migrate --verbosity 0
$py manage.py seed_demo
if [ -n "${CELERY_BROKER_URL:-${REDIS_URL:-}}" ]; then
  # A broker is configured: run a worker (with beat) beside the web server.
  .venv/bin/celery -A config worker -B -l warning &
  trap 'kill $! 2>/dev/null || true' EXIT
fi
echo "KotaKita: http://localhost:${port}/  ·  http://mojorejo.localhost:${port}/  (Ctrl+C to stop)"
# migrate ran the system checks a moment ago: skip them again (seconds on every boot).
exec $py manage.py runserver --skip-checks "${host}:${port}"
