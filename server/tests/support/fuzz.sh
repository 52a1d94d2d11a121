#!/usr/bin/env bash
# Fuzzes the REST API with schemathesis: a release server on a loopback port with a fresh demo
# workspace, an admin token, every operation of the OpenAPI document with up to $1 examples
# each (fixed seed). Fails on any 5xx, status code not in the document, wrong content type or
# answer not matching its schema, and first on a component schema without an example or with
# one that does not match it (check_examples.py). Webhooks and the digest are not sent by
# this server.
set -euo pipefail
examples="${1:-5}"
: "${CADENCE_BIN:?the cadence binary}" "${SCHEMATHESIS:?the schemathesis command}"
dir="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
db="sqlite://$dir/cadence.db"
RUST_LOG=info "$CADENCE_BIN" serve --addr "127.0.0.1:$port" --database-url "$db" --site-root "$dir" \
  --demo --no-webhooks --no-digest --api-rate-limit 0 > "$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
status=0
# Every component schema carries an example, and each example matches its schema.
"$(dirname "$SCHEMATHESIS")/python" "$(dirname "$0")/check_examples.py" \
  "http://127.0.0.1:$port/api/v1/openapi.json" || status=$?
token="$("$CADENCE_BIN" token create --email admin@demo.test --name fuzz --database-url "$db" | tail -1)"
"$SCHEMATHESIS" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  -H "Authorization: Bearer $token" \
  --max-examples "$examples" --seed 20261127 --no-color \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance || status=$?
errors="$(grep -c 'panicked\|ERROR' "$dir/server.log" || true)"
echo "fuzz: $examples examples per operation; server log: $errors panics or errors"
if [ "$errors" != "0" ]; then grep -m 20 'panicked\|ERROR' "$dir/server.log"; status=1; fi
# The log of every request must not hold the token they carried.
if grep -qF "${token#cad_}" "$dir/server.log"; then
  echo "fuzz: the API token is in the server log" >&2
  status=1
else
  echo "fuzz: server log: $(wc -l < "$dir/server.log") lines, none with the API token"
fi
exit "$status"
