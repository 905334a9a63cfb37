"""Pieces of the security-header settings that need a little code (no Django import)."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin_of(url_template: str) -> str:
    """The origin a browser fetches a URL template from, for a CSP source list.

    `https://tile.openstreetmap.org/{z}/{x}/{y}.png` -> `https://tile.openstreetmap.org`;
    a `{s}` subdomain placeholder becomes a wildcard; a relative URL (tiles served by us) -> "".
    """
    parts = urlsplit(url_template.replace("{s}", "x-subdomain"))
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc.replace("x-subdomain", "*")
    return f"{parts.scheme}://{host}"


# Browser features the pages may use. Reports, permits, shops, procurement and the courier page
# read the GPS position; report and proof-of-delivery photos may come straight from the camera
# (`capture="environment"`). Everything else is switched off for us and for any embedded frame.
PERMISSIONS_POLICY = {
    "geolocation": "(self)",
    "camera": "(self)",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
    "serial": "()",
    "bluetooth": "()",
    "hid": "()",
    "midi": "()",
    "magnetometer": "()",
    "gyroscope": "()",
    "accelerometer": "()",
    "display-capture": "()",
    "screen-wake-lock": "()",
    "fullscreen": "(self)",
    "publickey-credentials-get": "()",
    "browsing-topics": "()",
}


def permissions_policy_header(policy: dict[str, str]) -> str:
    return ", ".join(f"{feature}={allow}" for feature, allow in policy.items())
