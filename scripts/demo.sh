#!/usr/bin/env bash
# make demo: run examples/demo against the local CMDB emulator over both gateways.
#
#  1. builds the provider and the emulator into a temporary directory;
#  2. starts the emulator (-strict: the documented page limit held) on a free loopback port with a seeded dataset
#     (DEMO_INSTANCES instances, default 3000; DEMO_SEED, default 42; DEMO_LATENCY,
#     a delay the emulator adds to every request, default 0s);
#  3. writes a temporary CLI config whose dev_overrides point bkcmdb/bkcmdb at the
#     build (no registry, no `terraform init`);
#  4. copies examples/demo (the root module and its local ./chain module) into the
#     temporary directory, installs the local module (`get`: no registry, no
#     network), runs plan and apply -auto-approve there (state and all), then prints
#     the outputs: the chain from the business and set template names to the
#     load-balancer targets, once per gateway, and whether both gateways agree;
#  5. always stops the emulator and removes the temporary directory, on success, on
#     failure (non-zero exit) and on Ctrl-C or SIGTERM.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -z "${BKCMDB_TF:-}" ]]; then
  exec "$here/with-terraform.sh" "$0" "$@"
fi
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"
cd "$BKCMDB_ROOT"

instances="${DEMO_INSTANCES:-3000}"
seed="${DEMO_SEED:-42}"
latency="${DEMO_LATENCY:-0s}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bkcmdb-demo.XXXXXX")"
emu_pid=""
tf_pid=""

stop() { # stop PID: TERM, up to 5 s to exit, then KILL; always reaps it
  local pid="$1" i
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop "$tf_pid"
  stop "$emu_pid"
  if [[ $rc -ne 0 && -s "$tmp/emulator.log" ]]; then
    echo "---- last emulator log lines ----" >&2
    tail -n 20 "$tmp/emulator.log" >&2 || true
  fi
  rm -rf "$tmp"
  if [[ $rc -ne 0 ]]; then
    echo "demo: FAILED (exit $rc); emulator stopped, temporary files removed" >&2
  else
    echo "demo: done; emulator stopped, temporary files removed"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Run the CLI in the background and wait for it, so that a signal reaches our trap at
# once (the trap then stops the CLI too).
tf() {
  "$BKCMDB_TF" -chdir="$tmp/demo" "$@" &
  tf_pid=$!
  local rc=0
  wait "$tf_pid" || rc=$?
  tf_pid=""
  return "$rc"
}

echo "==> building the provider and the emulator"
bkcmdb_build_provider "$tmp/bin"
go build -o "$tmp/bkcmdb-emulator" ./internal/emulator/cmd/bkcmdb-emulator

echo "==> starting the emulator ($instances instances, seed $seed)"
"$tmp/bkcmdb-emulator" -addr 127.0.0.1:0 -strict -generate "$instances" -seed "$seed" -latency "$latency" \
  -addr-file "$tmp/addr" >"$tmp/emulator.out" 2>"$tmp/emulator.log" &
emu_pid=$!
for _ in $(seq 300); do
  [[ -s "$tmp/addr" ]] && break
  if ! kill -0 "$emu_pid" 2>/dev/null; then
    cat "$tmp/emulator.out" "$tmp/emulator.log" >&2 || true
    echo "demo: the emulator exited before listening" >&2
    exit 1
  fi
  sleep 0.1
done
[[ -s "$tmp/addr" ]] || { echo "demo: the emulator did not start listening within 30s" >&2; exit 1; }
base_url="$(head -n1 "$tmp/addr")"
sed 's/^/    /' "$tmp/emulator.out"

# Only what the demo sets: no credentials or settings leak in from the caller's shell.
while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(BK_|BKCMDB_|TF_VAR_)' | grep -vE '^BKCMDB_TF(_FLAVOR)?$' || true)

# The .tf files of examples/demo and its subdirectories (the ./chain module), nothing
# a local run may have left there (.terraform, state).
while IFS= read -r -d '' f; do
  mkdir -p "$tmp/demo/$(dirname "$f")"
  cp "examples/demo/$f" "$tmp/demo/$f"
done < <(cd examples/demo && find . -name '*.tf' -not -path '*/.terraform/*' -print0)
bkcmdb_write_cli_config "$tmp/cli.tfrc" "$tmp/bin"
export TF_CLI_CONFIG_FILE="$tmp/cli.tfrc"
export TF_DATA_DIR="$tmp/.terraform"
export TF_IN_AUTOMATION=1
export BK_APP_CODE=bkcmdb-demo
export BK_APP_SECRET=bkcmdb-demo-secret
export BK_USERNAME=admin
export TF_VAR_esb_base_url="$base_url"
export TF_VAR_apigw_base_url="$base_url/api/bk-cmdb/prod"

echo
echo "==> $BKCMDB_TF_FLAVOR get (the local ./chain module)"
tf get -no-color >/dev/null

echo
echo "==> $BKCMDB_TF_FLAVOR plan (ESB at $TF_VAR_esb_base_url, API gateway at $TF_VAR_apigw_base_url)"
tf plan -input=false -compact-warnings

echo
echo "==> $BKCMDB_TF_FLAVOR apply -auto-approve"
tf apply -input=false -auto-approve -compact-warnings

echo
echo "==> outputs"
tf output

agree="$(tf output -raw gateways_agree)"
if [[ "$agree" != true ]]; then
  echo "demo: the ESB and the API gateway gave different answers (gateways_agree = $agree)" >&2
  exit 1
fi

echo
echo "==> listener targets (address:port per module, from bkcmdb_listeners)"
tf output listener_targets

requests="$(grep -c . "$tmp/emulator.log" || true)"
echo
echo "demo: ok ($requests requests served by the emulator)"
