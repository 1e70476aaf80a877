# Sourced by .ci/run. Makes a throwaway PostgreSQL server on 127.0.0.1 for the shared-storage tuning
# tests and exports DLA_ADVISOR_TEST_POSTGRES_URL. Idempotent (a second source reuses the server) and
# quiet; it never fails the CI: if PostgreSQL cannot be had, the postgres tests skip and say why.
# The apt install is bounded (110 s) so CI stays well under its time budget.

_dla_pg_setup() {
  if [ -n "${DLA_ADVISOR_TEST_POSTGRES_URL:-}" ]; then return 0; fi
  local port="${DLA_ADVISOR_PG_PORT:-55432}" dir="${DLA_ADVISOR_PG_DIR:-/tmp/dla-advisor-pg}"
  local url="postgresql://dla:dla@127.0.0.1:${port}/dla_tune_test" start=$SECONDS installed=no
  _dla_pg_up() { python3 -c "import sys, psycopg2; psycopg2.connect(sys.argv[1], connect_timeout=2).close()" "$1" >/dev/null 2>&1; }
  if _dla_pg_up "$url"; then export DLA_ADVISOR_TEST_POSTGRES_URL="$url"; return 0; fi

  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$bin" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (timeout 110 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 110 apt-get install -y -qq postgresql) >/dev/null 2>&1
    installed=yes
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  fi
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "postgres: not available (install failed or not permitted); postgres tests will skip"
    return 1
  fi

  # initdb and the server refuse to run as root.
  local run=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd -r -M postgres >/dev/null 2>&1 || true
    run=(runuser -u postgres --)
  fi
  mkdir -p "$dir" && { [ "$(id -u)" != 0 ] || chown postgres "$dir"; }
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    "${run[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null 2>&1 || { echo "postgres: initdb failed"; return 1; }
  fi
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null 2>&1 || true
  "${run[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE ROLE dla LOGIN PASSWORD 'dla'" >/dev/null 2>&1 || true
  "${run[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE DATABASE dla_tune_test OWNER dla" >/dev/null 2>&1 || true
  if _dla_pg_up "$url"; then
    export DLA_ADVISOR_TEST_POSTGRES_URL="$url"
    echo "postgres: ready on 127.0.0.1:$port in $((SECONDS - start)) s (installed now: $installed)"
    return 0
  fi
  echo "postgres: server did not start (see $dir/server.log); postgres tests will skip"
  return 1
}

_dla_pg_setup || true
unset -f _dla_pg_setup _dla_pg_up 2>/dev/null || true
