#!/usr/bin/env bash
# `make bench`: builds the binary, measures it on loopback (start-up time,
# req/s and p50/p99 for the home page, a signed-in page and a bare net/http
# handler in the same run, with the ratios), then runs every Go benchmark in
# the module (func BenchmarkX in any package) with a short benchtime.
# Figures are printed and kept in bench-out/.
#
#   scripts/bench.sh                      # defaults: 20k requests x 32 workers
#   REQUESTS=5000 WORKERS=16 ROUNDS=1 scripts/bench.sh
#   BENCHTIME=1s scripts/bench.sh         # longer Go benchmarks
#   STARTUP_DATA_DIR=/tmp/town200k scripts/bench.sh   # also start-up over a big town
#     (made once: bench-out/partnerhub demo --data-dir /tmp/town200k --orgs 200000;
#     STARTUP_BEFORE=/path/to/old/partnerhub times an older binary beside it)
set -uo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=0
mkdir -p bench-out
status=0

echo "== building"
go build -trimpath -o bench-out/partnerhub ./cmd/partnerhub || exit 1
go build -o bench-out/loadbench ./internal/benchkit/cmd/loadbench || exit 1

echo "== loopback load: partnerhub vs a bare net/http handler"
bench-out/loadbench --bin bench-out/partnerhub \
  --requests "${REQUESTS:-20000}" --workers "${WORKERS:-32}" --orgs "${ORGS:-300}" --rounds "${ROUNDS:-3}" \
  | tee bench-out/loadbench.txt
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

if [ -n "${STARTUP_DATA_DIR:-}" ]; then
  echo
  echo "== start-up to ready over $STARTUP_DATA_DIR, against a bare process opening the same file"
  bins=(--bin "now=bench-out/partnerhub")
  [ -n "${STARTUP_BEFORE:-}" ] && bins=(--bin "before=$STARTUP_BEFORE" "${bins[@]}")
  bench-out/loadbench startup --data-dir "$STARTUP_DATA_DIR" "${bins[@]}" --runs "${STARTUP_RUNS:-9}" \
    | tee bench-out/startup.txt
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi

echo
echo "== network map (computed after a write vs cached) and start-up's build, 30 samples each"
go test -run '^$' -bench 'NetworkMap|^BenchmarkBuild$' -benchtime 30x -timeout 8m ./internal/partnerships/ ./internal/app/ \
  | grep -E '^Benchmark' | tee bench-out/network-startup.txt
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo
echo "== Go benchmarks (go test -run '^\$' -bench . -benchmem -benchtime ${BENCHTIME:-200ms} ./...)"
go test -run '^$' -bench . -benchmem -benchtime "${BENCHTIME:-200ms}" -timeout 8m ./... \
  | grep -Ev '^(ok[[:space:]]|PASS$|\?[[:space:]])|no test files' | tee bench-out/go-bench.txt
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo
echo "figures kept in bench-out/loadbench.txt, bench-out/network-startup.txt and bench-out/go-bench.txt"
exit $status
