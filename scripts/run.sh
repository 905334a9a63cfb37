#!/usr/bin/env bash
# Start KotaKita with the demo tenants: migrate (skips what is current), seed, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
host=${1:-0.0.0.0}
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
exec $py manage.py runserver "${host}:${port}"
