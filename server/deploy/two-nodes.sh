#!/usr/bin/env bash
# `make nodes`: two Cadence nodes on one PostgreSQL database behind nginx, on this machine.
# The first node seeds the demo workspace into an empty database; Ctrl-C stops everything. Kill
# a node (`kill -9`) to watch nginx send everything to the other.
set -euo pipefail
: "${CADENCE_BIN:?the cadence binary}" "${CADENCE_SITE:?the site folder}" "${NODES_DATABASE_URL:?a PostgreSQL URL}"
here="$(cd "$(dirname "$0")" && pwd)"
run="$(mktemp -d)"
pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$run"; }
trap stop EXIT INT TERM

name="${NODES_DATABASE_URL##*/}"
admin="${NODES_DATABASE_URL%/*}/postgres"
if ! psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
  psql "$admin" -qc "CREATE DATABASE \"$name\""
fi

wait_for() {
  for _ in $(seq 1 100); do
    curl -fsS "http://$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "no answer from $1" >&2
  return 1
}

"$CADENCE_BIN" serve --demo --public-url http://127.0.0.1:8080,http://localhost:8080 --addr 127.0.0.1:3001 --database-url "$NODES_DATABASE_URL" --site-root "$CADENCE_SITE" &
pids+=($!)
wait_for 127.0.0.1:3001
"$CADENCE_BIN" serve --public-url http://127.0.0.1:8080,http://localhost:8080 --addr 127.0.0.1:3002 --database-url "$NODES_DATABASE_URL" --site-root "$CADENCE_SITE" &
pids+=($!)
wait_for 127.0.0.1:3002
nginx -p "$run" -c "$here/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_for 127.0.0.1:8080
echo "Cadence on two nodes behind nginx: http://127.0.0.1:8080 (nodes on :3001 and :3002; Ctrl-C stops them)"
# A node may be stopped or killed to see the other take over; this ends when nginx does.
wait "${pids[-1]}"
