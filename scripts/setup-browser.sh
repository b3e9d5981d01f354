#!/usr/bin/env bash
# Install Debian's headless Chromium (and fonts for readable screenshots) for the teaching page's
# end-to-end test (test/web/page.test.ts drives /usr/bin/chromium with playwright-core, an npm
# devDependency: no browser download). Idempotent: does nothing when both are there. Waits for the dpkg
# lock (other installs may run in parallel). Used by .ci/run. Needs root or sudo on Debian/Ubuntu.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if command -v dpkg-query >/dev/null 2>&1; then
  dpkg-query -W -f='${Status}' fonts-liberation 2>/dev/null | grep -q "install ok installed" || missing+=(fonts-liberation)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-browser.sh: missing ${missing[*]}; this is not a Debian/Ubuntu system: install Chromium at /usr/bin/chromium" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "setup-browser.sh: need root to apt-get install ${missing[*]} (no sudo)" >&2; exit 1
    fi
  fi
  echo "setup-browser.sh: installing ${missing[*]}"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi

[ -x /usr/bin/chromium ] || { echo "setup-browser.sh: /usr/bin/chromium still missing" >&2; exit 1; }
echo "setup-browser.sh: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) ready"
