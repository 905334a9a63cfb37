"""KotaKita's database backend: django-tenants' schema switching, made safe to run with
TENANT_LIMIT_SET_CALLS, persistent connections and Django's connection pool (base.py)."""
