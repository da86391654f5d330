#!/usr/bin/env bash
# The one system library the build wants beyond Python and Pango: HarfBuzz's subsetter.
# Without it WeasyPrint falls back to fontTools, which is 2x slower at writing the PDF
# and stamps the build time into every font (builds stop being byte-identical).
set -u
if ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so'; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing libharfbuzz-subset0 (apt-get) ..."
  apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1; } \
    || echo "warning: could not install libharfbuzz-subset0; builds will be slower and not byte-identical" >&2
else
  echo "warning: libharfbuzz-subset is missing; install it (Debian/Ubuntu: sudo apt-get install libharfbuzz-subset0)" >&2
  echo "         for faster, byte-identical builds" >&2
fi
exit 0
