#!/usr/bin/env bash
# Browser end-to-end tests of foljupp.
#
# Starts a throw-away foljupp server (temporary SQLite database, demo data,
# two test accounts) on a free loopback port, runs the Playwright tests in
# Debian's chromium against it, stops the server and exits with the tests'
# status.
#
#   cargo build -p foljupp && bash e2e/run.sh            # from the repo root
#   FOLJUPP_BIN=/path/to/foljupp bash e2e/run.sh         # another binary
#   bash e2e/run.sh tests/registration.spec.js -g axe    # extra args go to playwright
#
# Needs: node >= 20 with npm, /usr/bin/chromium (Debian package `chromium`;
# override with CHROMIUM_BIN). Never downloads a browser.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The binary: FOLJUPP_BIN as given (a relative path is taken from the
# directory run.sh was started in), else ../target/debug/foljupp next to
# this script.
if [[ -n "${FOLJUPP_BIN:-}" ]]; then
  bin="$FOLJUPP_BIN"
  [[ "$bin" = /* ]] || bin="$PWD/$bin"
else
  bin="$here/../target/debug/foljupp"
fi
if [[ ! -x "$bin" ]]; then
  echo "run.sh: no foljupp binary at $bin; build it first (cargo build -p foljupp) or set FOLJUPP_BIN" >&2
  exit 2
fi

export CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM_BIN" ]]; then
  echo "run.sh: no chromium at $CHROMIUM_BIN; install Debian's package (apt-get install -y chromium) or set CHROMIUM_BIN" >&2
  exit 2
fi

cd "$here"
# Playwright must never fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ ! -d node_modules/@playwright/test || ! -d node_modules/axe-core ]]; then
  npm ci --no-audit --no-fund
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/foljupp-e2e.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

db="sqlite://$work/e2e.db"
# The tests call the binary on the same database (e.g. to end a parent link).
export FOLJUPP_BIN="$bin" FOLJUPP_E2E_DB="$db"
export FOLJUPP_REGISTRANT_NAME=e2e-radgivare
export FOLJUPP_REGISTRANT_PASSWORD="e2e-pw-reg-$RANDOM$RANDOM-x"
export FOLJUPP_REGISTRANT_DISTRICT=rinkeby-kista
export FOLJUPP_ADMIN_NAME=e2e-admin
export FOLJUPP_ADMIN_PASSWORD="e2e-pw-adm-$RANDOM$RANDOM-x"
export FOLJUPP_LEAD_NAME=e2e-enhetschef
export FOLJUPP_LEAD_PASSWORD="e2e-pw-lead-$RANDOM$RANDOM-x"
export FOLJUPP_LEAD_DISTRICT=farsta
export FOLJUPP_NATIONAL_NAME=e2e-riksanalytiker
export FOLJUPP_NATIONAL_PASSWORD="e2e-pw-nat-$RANDOM$RANDOM-x"

printf '%s\n' "$FOLJUPP_REGISTRANT_PASSWORD" |
  "$bin" user add "$FOLJUPP_REGISTRANT_NAME" --role registrant \
    --district "$FOLJUPP_REGISTRANT_DISTRICT" --db "$db" >"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log" >&2; exit 1; }
printf '%s\n' "$FOLJUPP_ADMIN_PASSWORD" |
  "$bin" user add "$FOLJUPP_ADMIN_NAME" --role admin --db "$db" >>"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log" >&2; exit 1; }
printf '%s\n' "$FOLJUPP_LEAD_PASSWORD" |
  "$bin" user add "$FOLJUPP_LEAD_NAME" --role district_lead \
    --district "$FOLJUPP_LEAD_DISTRICT" --db "$db" >>"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log" >&2; exit 1; }
printf '%s\n' "$FOLJUPP_NATIONAL_PASSWORD" |
  "$bin" user add "$FOLJUPP_NATIONAL_NAME" --role national_analyst --db "$db" >>"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log" >&2; exit 1; }

# A free loopback port (the small race between closing it here and the
# server binding it is harmless on a test machine).
port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
export FOLJUPP_URL="http://127.0.0.1:$port"

# --demo fills the database (it has accounts but no registrations yet) so
# the overview has figures to compare.
"$bin" serve --demo --db "$db" --addr "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 300); do
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' \
       "$FOLJUPP_URL/healthz" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.1
done
if [[ -z "$ready" ]]; then
  echo "run.sh: the server did not become ready at $FOLJUPP_URL; its log:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
echo "run.sh: foljupp is up at $FOLJUPP_URL"

status=0
npx --no-install playwright test "$@" || status=$?
if [[ $status -ne 0 ]]; then
  echo "run.sh: tests failed; the server's log:" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit $status
