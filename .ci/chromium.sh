# Sourced by .ci/run. Makes Debian's chromium available for the HTML-report browser tests (Playwright
# drives it through executable_path; `playwright install` is never run, it would download a browser).
# Quiet and bounded; it never fails the CI: without chromium the browser tests skip and say why.

_dla_chromium_setup() {
  local bin
  for bin in "${DLA_ADVISOR_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$bin" ] && [ -x "$bin" ]; then export DLA_ADVISOR_CHROMIUM="$bin"; return 0; fi
  done
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (timeout 150 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 150 apt-get install -y -qq chromium) >/dev/null 2>&1
  fi
  if [ -x /usr/bin/chromium ]; then export DLA_ADVISOR_CHROMIUM=/usr/bin/chromium; return 0; fi
  echo "chromium: not available (install failed or not permitted); the browser tests will skip"
  return 1
}

_dla_chromium_setup
