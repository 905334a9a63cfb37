"""`migrate` is `migrate_schemas` here (as in django-tenants), with our skip-if-current logic."""

from .migrate_schemas import Command

__all__ = ["Command"]
