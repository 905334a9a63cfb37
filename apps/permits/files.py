"""Private files of a permit application (registered with apps.core.files)."""

from __future__ import annotations

from apps.core.files import register_private

from . import policy
from .models import Permit

# Both files are seen by whoever may read the application (policy.can_view): the applicant (or
# who filed for them), kelurahan staff and the lurah, and the ketua RT/RW of the permit's own RT,
# who checks the applicant's identity before recommending. Nobody else, not even other RT heads.
register_private(Permit, "ktp_scan", policy.can_view, content_type_field="ktp_scan_type", filename_stem="ktp")
register_private(
    Permit, "premises_photo", policy.can_view, content_type_field="premises_photo_type", filename_stem="tempat-usaha"
)
