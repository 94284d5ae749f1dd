#!/usr/bin/env bash
# Debian packages ecabinet needs beyond Python, installed with apt-get when missing (as root),
# or named loudly otherwise. `run`: fonts with Vietnamese glyphs and Pango (PDFs, signature
# images), LibreOffice Writer and Calc without GUI (DOCX/ODT/XLSX shown as PDF; ~330 MB, ~40 s
# once), Tesseract with the Vietnamese model and Poppler (OCR of scans; ~45 MB); the app runs
# without the last three and says why. `test`: those, plus chromium (browser tests), gettext
# (catalogue check) and softhsm2 (PKCS#11 key store tests).
set -euo pipefail
purpose="${1:-run}"
missing=()
[ -d /usr/share/fonts/truetype/liberation2 ] || missing+=(fonts-liberation2)
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
# Files of either the -nogui or the GUI variant (they conflict; either converts documents).
[ -e /usr/lib/libreoffice/program/libswlo.so ] || missing+=(libreoffice-writer-nogui)
[ -e /usr/lib/libreoffice/program/libsclo.so ] || missing+=(libreoffice-calc-nogui)
langs="$(tesseract --list-langs 2>/dev/null || true)"
grep -qx vie <<<"$langs" || missing+=(tesseract-ocr tesseract-ocr-vie)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
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
