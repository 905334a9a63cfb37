"""The reports world (people, categories) and a temporary MEDIA_ROOT, for the bad-input attacks
in test_bad_input.py, which replay them on the reports page, API and Open311; a data API
partner and its keys for the shared API-key service (test_api_keys.py)."""

from tests.dataservice.conftest import key, make_key, partner  # noqa: F401
from tests.reports.conftest import media, world  # noqa: F401
