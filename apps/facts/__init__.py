"""The facts contract: what a tenant app imports to produce daily facts for the public roll-up.

`metrics` (fact names, `FactRow`, anonymous entity keys), `producing` (helpers for producers)
and `registry` (each producing app registers its `daily_facts` in its AppConfig.ready()).
The consumer, apps.analytics, reads the registry; producers never import apps.analytics.
"""
