"""The default connection, typed as django-tenants' wrapper (set_tenant, schema_name, ...)."""

from typing import Any, cast

from django.db import connection as _connection

connection: Any = cast(Any, _connection)
