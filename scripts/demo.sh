#!/usr/bin/env bash
# `make demo`: start the emulator on a free loopback port, run a short real qcli session, stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
Q="$PWD/.venv/bin/qcli"
work="$(mktemp -d "${TMPDIR:-/tmp}/qcli-demo.XXXXXX")"
emu_pid=""
cleanup() {
  if [ -n "$emu_pid" ] && kill -0 "$emu_pid" 2>/dev/null; then
    kill "$emu_pid"; wait "$emu_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A private config for the demo; the key goes to a 0600 file (no keyring daemon needed).
export QCLI_CONFIG_DIR="$work/config" QCLI_CREDENTIAL_STORE=file NO_COLOR=1 COLUMNS=110

"$Q" emulator start --port 0 --data-dir "$work/tenant" --api-key demo-key --seed 1 \
  >"$work/url" 2>"$work/emulator.log" &
emu_pid=$!
for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.1; done
url="$(head -n1 "$work/url")"
[ -n "$url" ] || { cat "$work/emulator.log"; echo "the emulator did not start" >&2; exit 1; }
echo "# emulator running at $url (data in $work/tenant)"

quote() {  # the arguments as a shell reads them back: plain, or in single quotes
  local out="" a q="'"
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+=" $a"
    else out+=" '${a//$q/$q\\$q$q}'"; fi
  done
  printf '%s' "${out# }"
}
run() { printf '\n$ qcli %s\n' "$(quote "$@")"; "$Q" "$@"; }

mkdir -p "$work/hello-chart"
cat >"$work/hello-chart/hello-chart.qext" <<'QEXT'
{"name": "Hello Chart", "type": "visualization", "version": "1.0.0", "author": "qcli demo"}
QEXT
echo 'define([], function () { return { paint: function () {} }; });' >"$work/hello-chart/hello-chart.js"
cd "$work"

printf '\n$ echo demo-key | qcli context create demo --server %s --api-key-stdin\n' "$url"
echo demo-key | "$Q" context create demo --server "$url" --api-key-stdin
run context ls -o table
run extension create ./hello-chart --tag demo -o table
run extension ls -o table
run extension ls --json
run extension ls --json --query '[].{name: name, version: version}'
run extension download hello-chart --output-file hello-chart-copy.zip
run extension file ls hello-chart -o table
run extension rm hello-chart --yes
run extension ls -o table

head -c 20000000 /dev/urandom >sales.bin
run temp-content create sales.bin --chunk-size 4MiB --ttl 600 -o yaml
printf 'region,amount\neu,10\nus,20\n' >sales.csv
run data-file create sales.csv -o table
run data-file create sales.bin -q
run data-file ls -o table
run data-file quotas -o yaml
run data-store ls -o table
store="$("$Q" data-store ls -q | head -n1)"
run data-store data-asset ls "$store" -o table
run data-store patch "$store" --op replace --path /description --value '"edited by the demo"'
run data-store get "$store" --query '{name: name, description: description, version: version}' -o yaml
echo
echo "# done: the emulator stops now. Next: 'make test'."
