"""What production accepts as secrets. No Django import: read by config/settings/production.py
(refuses to start) and by the deploy checks in apps/core/checks.py (`check --deploy`).

Each function returns the problems found, as plain English sentences that never contain the
secret itself (they end up in logs and CI output).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SECRET_KEY_MIN_LENGTH = 50  # as Django's own security.W009
SECRET_KEY_MIN_UNIQUE = 5
PERSONAL_DATA_KEY_MIN_LENGTH = 32

# Values shipped in this repository or by Django: never a production secret.
_KNOWN_DEFAULT_PREFIXES = ("dev-only", "test-only", "django-insecure", "change-me", "changeme")

# The personal-data keys production needs: setting name -> what it protects.
PERSONAL_DATA_SETTINGS = {
    "PERMITS_NIK_KEYS": "NIK encryption and lookup digests of permits (or PERMITS_NIK_KEY)",
    "NIK_HMAC_KEY": "NIK / No. KK matching hashes of aid",
    "ANALYTICS_ENTITY_KEY": "anonymous entity keys of the public daily facts",
    "LEVIES_NIK_KEY": "NIK digests matching kota levy bills to residents",
}


def secret_key_problems(secret_key: str) -> list[str]:
    problems = []
    if len(secret_key) < SECRET_KEY_MIN_LENGTH:
        problems.append(f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters long.")
    if len(set(secret_key)) < SECRET_KEY_MIN_UNIQUE:
        problems.append(f"SECRET_KEY must have at least {SECRET_KEY_MIN_UNIQUE} different characters.")
    if secret_key.lower().startswith(_KNOWN_DEFAULT_PREFIXES):
        problems.append("SECRET_KEY is a development/test default; generate a random one.")
    return problems


def personal_data_keys(values: Mapping[str, object]) -> dict[str, list[str]]:
    """The masters each personal-data setting holds (PERMITS_NIK_KEY counts for the list)."""
    permits = as_list(values.get("PERMITS_NIK_KEYS")) or as_list([values.get("PERMITS_NIK_KEY") or ""])
    return {
        "PERMITS_NIK_KEYS": permits,
        "NIK_HMAC_KEY": as_list([values.get("NIK_HMAC_KEY") or ""]),
        "ANALYTICS_ENTITY_KEY": as_list([values.get("ANALYTICS_ENTITY_KEY") or ""]),
        "LEVIES_NIK_KEY": as_list([values.get("LEVIES_NIK_KEY") or ""]),
    }


def personal_data_key_problems(values: Mapping[str, object], secret_key: str) -> list[str]:
    """Each key set, long enough, not SECRET_KEY, and no key shared between two uses."""
    problems = []
    keys = personal_data_keys(values)
    owners: dict[str, str] = {}
    for name, masters in keys.items():
        if not masters:
            problems.append(f"Set {name}: {PERSONAL_DATA_SETTINGS[name]} (no fallback to SECRET_KEY).")
            continue
        for master in masters:
            if len(master) < PERSONAL_DATA_KEY_MIN_LENGTH:
                problems.append(f"Every key in {name} must be at least {PERSONAL_DATA_KEY_MIN_LENGTH} characters long.")
            if master == secret_key:
                problems.append(f"{name} must differ from SECRET_KEY, so rotating SECRET_KEY loses no data.")
            if master.lower().startswith(_KNOWN_DEFAULT_PREFIXES):
                problems.append(f"{name} is a development/test default; generate a random one.")
            other = owners.setdefault(master, name)
            if other != name:
                problems.append(f"{name} and {other} must be different keys.")
    return problems


def as_list(value: object) -> list[str]:
    """A setting given as a list or as comma-separated text, blanks dropped."""
    if isinstance(value, str):
        items: Sequence[object] = value.split(",")
    elif isinstance(value, list | tuple):
        items = value
    else:
        items = []
    return [str(item).strip() for item in items if str(item).strip()]
