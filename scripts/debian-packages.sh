#!/usr/bin/env bash
# Debian packages ecabinet needs beyond Python, installed with apt-get when missing (as root),
# or named loudly otherwise. `run`: fonts with Vietnamese glyphs and Pango (PDFs, signature
# images). `test`: those, plus chromium (browser tests), gettext (catalogue check) and
# softhsm2 (PKCS#11 key store tests).
set -euo pipefail
purpose="${1:-run}"
missing=()
[ -d /usr/share/fonts/truetype/liberation2 ] || missing+=(fonts-liberation2)
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "$purpose" = test ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v xgettext >/dev/null || missing+=(gettext)
  [ -e /usr/lib/softhsm/libsofthsm2.so ] || missing+=(softhsm2)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  printf '\n==== installing Debian packages: %s ====\n' "${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  printf '\n!!!!!!!! missing Debian packages (%s): what needs them will be SKIPPED or fail; install with: sudo apt-get install %s !!!!!!!!\n\n' \
    "${missing[*]}" "${missing[*]}" >&2
fi
