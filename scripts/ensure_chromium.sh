#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the browser tests (tests/browser/).
#
# Playwright's own browser download cannot be used here; the tests launch this binary via
# `executable_path`. Idempotent and silent when Chromium is already installed. Without root
# it only prints a note (the browser tests then skip themselves) and exits 0.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "ensure_chromium: $CHROMIUM is missing and we are not root; install it with" \
         "'apt-get install chromium' (browser tests will be skipped)." >&2
    exit 0
fi

echo "ensure_chromium: installing Debian's chromium package..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure_chromium: apt-get finished but $CHROMIUM is still missing" >&2
    exit 1
fi
echo "ensure_chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed."
