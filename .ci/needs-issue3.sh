#!/usr/bin/env bash
# What the tests of issue #3 (budget planning sessions) need beyond `pip install -e ".[test]"`:
# a headless browser for the HTML report test (Debian's chromium, /usr/bin/chromium).
# Called from .ci/run (as root, before the tests).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi
