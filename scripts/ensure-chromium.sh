#!/usr/bin/env bash
# Run first by `pnpm test`: the dashboard's browser test drives Debian's chromium at
# /usr/bin/chromium (never a downloaded browser build). Installs it with apt-get when it is
# missing (through sudo when not root). Elsewhere than Linux the browser tests are not run
# (vitest.shared.ts), so there is nothing to do.
set -euo pipefail

[ "$(uname -s)" = Linux ] || exit 0
[ -x /usr/bin/chromium ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: /usr/bin/chromium is missing and there is no apt-get to install it;" >&2
  echo "ensure-chromium: install your distribution's chromium so that /usr/bin/chromium exists" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
echo "ensure-chromium: installing Debian's chromium (apt-get install chromium)" >&2
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "ensure-chromium: apt-get ran, yet /usr/bin/chromium is missing" >&2; exit 1; }
