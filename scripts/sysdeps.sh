#!/usr/bin/env bash
# Installs the Debian packages the test suite uses: Chromium + ChromeDriver (browser tests),
# Noto CJK fonts (Chinese text in screenshots and PDFs), redis-server (multi-worker cache tests) and,
# where Node.js is missing, Debian's nodejs + npm (to build the partial plotly.js bundle).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
{ fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null; } || need+=(fonts-noto-cjk)  # no grep -q: SIGPIPE under pipefail
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -eq 0 ]; then
  echo "sysdeps: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "sysdeps: missing ${need[*]}; run 'sudo apt-get install ${need[*]}' (needs root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
echo "sysdeps: installed ${need[*]}"
