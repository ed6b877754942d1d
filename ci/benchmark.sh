#!/usr/bin/env bash
# pybudget against bpftrace: builds the jar and the test classes, then runs the benchmark
# (dev.pybudget.bench.Benchmark, in the test sources; no test runs it). Prints a table of
# medians, spreads and ratios. Needs root (BPF), bpftrace and Debian's /usr/bin/python3.11.
#
#   bash ci/benchmark.sh                      # every row, 7 interleaved repetitions
#   bash ci/benchmark.sh --reps 11            # more repetitions
#   bash ci/benchmark.sh --only startup,gc    # some rows: startup teardown gc calls imports audit symbols drain http container memory callsby
#   bash ci/benchmark.sh --only kernel        # the kernel context's cost (KernelContextCost), only when named
#   bash ci/benchmark.sh --only gil           # the GIL waits' cost (GilWaitsCost), only when named
# Ends with issue 16's targets: each row measured, its target, met or missed, and why when missed.
#   bash ci/benchmark.sh --markdown out.md    # also write the table as Markdown
#   SKIP_BUILD=1 bash ci/benchmark.sh ...     # reuse the last build
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "benchmark: run as root (BPF programs and uprobes need CAP_SYS_ADMIN)" >&2; exit 2; }
command -v bpftrace >/dev/null || { echo "benchmark: bpftrace is missing (apt-get install bpftrace)" >&2; exit 2; }
[[ -x /usr/bin/python3.11 ]] || { echo "benchmark: /usr/bin/python3.11 is missing (apt-get install python3.11)" >&2; exit 2; }
if [[ -z ${SKIP_BUILD:-} ]]; then
    # package builds the jar; test-compile (with -DskipTests nothing runs) the benchmark classes.
    mvn -B -q package -DskipTests >/tmp/pybudget-benchmark-build.log 2>&1 || { tail -n 40 /tmp/pybudget-benchmark-build.log >&2; exit 1; }
fi
# The container rows start containers through Testcontainers: no Ryuk (its image cannot be pulled here), the
# engine on this host.
export TESTCONTAINERS_RYUK_DISABLED=${TESTCONTAINERS_RYUK_DISABLED:-true} TESTCONTAINERS_HOST_OVERRIDE=${TESTCONTAINERS_HOST_OVERRIDE:-localhost}
exec java -XX:+UseSerialGC -cp harness/target/pybudget.jar:harness/target/test-classes dev.pybudget.bench.Benchmark --repo . "$@"
