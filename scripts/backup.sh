#!/usr/bin/env bash
# Backup of one KotaKita machine; run nightly by deploy/systemd/kotakita-backup.timer (or cron).
#   1. manage.py backup_tenants --whole-database: into TENANT_BACKUP_DIR/<YYYY-MM-DD>/ one archive
#      per active tenant (restore one with `manage.py restore_tenant`) and database.dump (the whole
#      database, pg_dump --format=custom, for a machine lost entirely); folders older than
#      TENANT_BACKUP_KEEP_DAYS are deleted.
#   2. BACKUP_COPY_TO set (an rsync destination, e.g. backup@host:/srv/kotakita): the folder is
#      copied off the machine. A backup that stays on the machine it protects is not a backup.
# Continuous archiving (WAL + pg_basebackup) is configured in PostgreSQL itself: docs/operations.md.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${KOTAKITA_PYTHON:-.venv/bin/python}"
"$python" manage.py backup_tenants --whole-database
if [ -n "${BACKUP_COPY_TO:-}" ]; then
    dir="$("$python" manage.py shell -c 'from django.conf import settings; print(settings.TENANT_BACKUP_DIR)')"
    rsync -a --delete "$dir/" "$BACKUP_COPY_TO/"
fi
