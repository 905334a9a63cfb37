"""Web sessions of every tenant in one public table, each row keyed by the schema it belongs to.

`django.contrib.sessions` kept a `django_session` table in every tenant schema (6 pg_class rows
of each empty kelurahan schema; issue 17, docs/design/schema-cost.md "Sessions"). Sessions are
transient and no tenant table refers to them, so they live in the public schema only
(`models.WebSession`); SESSION_ENGINE = "apps.websessions.backend" writes the connection's
current schema with each session and loads, updates and deletes only the current schema's: a
cookie of one kelurahan presented on another kelurahan's host is an anonymous session there.
"""
