"""The reports world (people, categories) and a temporary MEDIA_ROOT, for the bad-input attacks
in test_bad_input.py, which replay them on the reports page, API and Open311."""

from tests.reports.conftest import media, world  # noqa: F401
