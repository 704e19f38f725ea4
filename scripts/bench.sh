#!/usr/bin/env bash
# make bench: the performance benchmarks of issues 5, 12 and 15, on this machine, in one run
# (about 30 minutes on 2 cores).
#
#   1. Go benchmarks, in-process, against the emulator at 20 ms latency: the client's page
#      walk alone (internal/cmdb BenchmarkWalk) and the full ReadDataSource through the
#      provider server (internal/provider BenchmarkReadDataSource), 10k and 100k instances,
#      parallelism 1 and 4; 100k instances with processes read without and with
#      with_processes and as listeners (BenchmarkReadProcesses); the 50 reads of the
#      split after its walk (BenchmarkReadSplit, latency 0). The whole matrix:
#      go test ./internal/provider ./internal/cmdb -run '^$' -bench . -benchmem
#   2. terraform plan end to end (cmd/benchmark), 20 ms latency, median of BENCH_RUNS
#      (default 3) interleaved runs, on Terraform and on the pinned OpenTofu
#      (scripts/build-tofu.sh): bkcmdb at parallelism 1 and 4 side by side with the
#      hashicorp/http per-page configuration (10k and 100k instances, both CLIs); the
#      fleet under a 50 requests/s gateway with and without requests_per_second; shared
#      identical reads; a filtered read; the split by module and its levers (the
#      provider's parallelism = 16, the CLI's -parallelism=50, and the experiment
#      below); 100,000 instances with 1 to 3 processes each read with and without
#      with_processes, and as bkcmdb_listeners (both CLIs). The results replace the
#      marked section of BENCHMARKS.md.
#
# The split's experiment variant runs a second provider built with -tags benchsplit:
# reads with bk_module_ids go through list_service_instance_detail by bk_module_id,
# which the contract forbids without with_processes. It is measured, never shipped.
#
# Environment: BENCH_RUNS, BENCH_SIZES (default 10000,100000), BENCH_LATENCY (default 20ms),
# BENCH_SCENARIOS (default compare,fleet,shared,filtered,split,processes,listeners),
# BENCH_TOFU (0 skips OpenTofu), BENCH_EXPERIMENT (0 skips the split's experiment
# variant), BENCHTIME (go test -benchtime for step 1, default 3x), BENCHARGS (extra go
# test flags). Run it through scripts/with-terraform.sh (make does).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
bkcmdb_require_tf
cd "$BKCMDB_ROOT"

runs="${BENCH_RUNS:-3}"
sizes="${BENCH_SIZES:-10000,100000}"
latency="${BENCH_LATENCY:-20ms}"
benchtime="${BENCHTIME:-3x}"
[[ "$benchtime" == 1s ]] && benchtime=3x # the Makefile's generic default is too long per 100k op

# The hashicorp/http provider of the comparison, built once from the Go module proxy (a
# post-v3.6 commit; tagged versions are not served) into the cache.
http_version="v1.2.1-0.20260903154542-926109cd8c07"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-bkcmdb/bench/http-$http_version"
if [[ ! -x "$cache/terraform-provider-http" ]]; then
  echo "bench: building terraform-provider-http@$http_version into $cache" >&2
  (cd "$(mktemp -d)" && GOFLAGS= GOBIN="$cache" go install "github.com/terraform-providers/terraform-provider-http@$http_version")
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bkcmdb"
bkcmdb_build_provider "$work/bkcmdb"
experiment=()
if [[ "${BENCH_EXPERIMENT:-1}" != 0 ]]; then
  mkdir -p "$work/bkcmdb-experiment"
  go build -tags benchsplit -o "$work/bkcmdb-experiment/terraform-provider-bkcmdb" .
  experiment=(-bkcmdb-experiment-dir "$work/bkcmdb-experiment")
fi

echo "== Go benchmarks (benchtime $benchtime)" >&2
{
  go test ./internal/cmdb -run '^$' -bench '^BenchmarkWalk$/^N=(10000|100000)$/^latency=20ms$/^parallelism=(1|4)$' \
    -benchmem -benchtime "$benchtime" ${BENCHARGS:-}
  go test ./internal/provider -run '^$' -bench '^BenchmarkReadDataSource$/^N=(10000|100000)$/^latency=20ms$/^parallelism=(1|4)$' \
    -benchmem -benchtime "$benchtime" ${BENCHARGS:-}
  go test ./internal/provider -run '^$' -bench '^BenchmarkReadProcesses$/.*/^latency=20ms$' -benchmem -benchtime "$benchtime" ${BENCHARGS:-}
  go test ./internal/provider -run '^$' -bench '^BenchmarkReadSplit$' -benchmem -benchtime "$benchtime" ${BENCHARGS:-}
} | grep -E '^(Benchmark|cpu:)' | tee "$work/gobench.txt"

# The CLIs: the one with-terraform.sh chose, and the pinned OpenTofu unless that is it.
terraform="" tofu=""
if [[ "${BKCMDB_TF_FLAVOR:-terraform}" == opentofu ]]; then
  tofu="$BKCMDB_TF"
else
  terraform="$BKCMDB_TF"
  [[ "${BENCH_TOFU:-1}" != 0 ]] && tofu="$("$here/build-tofu.sh")"
fi

echo "== terraform plan end to end ($runs runs, $sizes instances, $latency; ${terraform:-no Terraform}, ${tofu:-no OpenTofu})" >&2
go run ./cmd/benchmark -terraform "$terraform" -tofu "$tofu" -bkcmdb-dir "$work/bkcmdb" "${experiment[@]}" -http-dir "$cache" \
  -sizes "$sizes" -latency "$latency" -runs "$runs" -scenarios "${BENCH_SCENARIOS:-compare,fleet,shared,filtered,split,processes,listeners}" \
  -gobench "$work/gobench.txt" -md "$BKCMDB_ROOT/BENCHMARKS.md" -command "make bench"
