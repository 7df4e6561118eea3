#!/usr/bin/env bash
# Debian's chromium and chromium-driver, for the app's browser test (nbs/11_app.ipynb): installed with apt-get when
# they are missing and this runs as root; otherwise a notice, and the browser test says it is skipped.
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || command -v google-chrome-stable)
if [ -n "$browser" ] && command -v chromedriver >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium and chromium-driver with apt-get, for the browser test"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -q chromium chromium-driver || { apt-get update -q && apt-get install -y -q chromium chromium-driver; }; } >/dev/null 2>&1 \
    || echo "apt-get could not install chromium and chromium-driver: the browser test will be skipped"
else
  echo "chromium and chromium-driver are missing (apt-get install chromium chromium-driver): the browser test will be skipped"
fi
exit 0
