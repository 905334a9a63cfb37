"""The Kota Madiun demo (`manage.py seed_demo`): the top layer that orchestrates every app's
`demo.py` after creating the demo tenants and people (`seed`). Nothing imports it."""
