#!/usr/bin/env bash
# The one system package the tests need beyond `pip install -e ".[test]"`: a headless
# browser for the HTML report test (Debian's chromium, /usr/bin/chromium). Does nothing
# when chromium is already installed.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "the report test needs chromium: run 'sudo apt-get install -y chromium' once" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
