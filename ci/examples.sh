#!/usr/bin/env bash
# Builds and runs the downstream example as a team would: pybudget installed into the local Maven
# repository from this checkout, then examples/checkout-service built against that artifact, on the
# JUnit it pins and again on JUnit 5.10 (the oldest pybudget supports). Checks what a team relies on:
# the tests pass, the reports are there (HTML, JSON, Chrome trace, summary, index) and no container
# of the run is left behind. Run from anywhere, after ci/setup-engine.sh, as root (BPF needs it).
set -euo pipefail
cd "$(dirname "$0")/.."
export TESTCONTAINERS_RYUK_DISABLED=${TESTCONTAINERS_RYUK_DISABLED:-true}
export TESTCONTAINERS_HOST_OVERRIDE=${TESTCONTAINERS_HOST_OVERRIDE:-localhost}

log() { printf '[examples] %s\n' "$*"; }
die() { printf '[examples] ERROR: %s\n' "$*" >&2; exit 1; }

log "mvn install of pybudget (tests skipped: the test command runs them)"
mvn -B -q install -DskipTests

example=examples/checkout-service
image=example/checkout-service:test

log "yamllint ci/github-actions-example.yml (the workflow a team copies)"
yamllint -c ci/yamllint.yml ci/github-actions-example.yml

# The workflow's set-up step, as a runner does it: the set-up script out of the artifact the example depends on
# (no file of pybudget's repository), the same that `pybudget setup` prints, run as root.
log "$example: the workflow's set-up step (the set-up script from the installed artifact)"
version=$(sed -n 's:.*<pybudget.version>\(.*\)</pybudget.version>.*:\1:p' "$example/pom.xml")
[[ -n $version ]] || die "$example/pom.xml names no pybudget.version"
artifact_dir=$(mktemp -d)
trap 'rm -rf "$artifact_dir"' EXIT
(cd "$example" && mvn -B -q dependency:copy -Dartifact="dev.pybudget:pybudget:$version" -DoutputDirectory="$artifact_dir")
(cd "$artifact_dir" && jar xf "pybudget-$version.jar" pybudget/ci/setup-engine.sh)
cmp -s "$artifact_dir/pybudget/ci/setup-engine.sh" ci/setup-engine.sh ||
    die "the set-up script in the installed pybudget-$version.jar is not ci/setup-engine.sh"
bash "$artifact_dir/pybudget/ci/setup-engine.sh"
for profile in "" junit-5.10; do
    label=${profile:-"its own JUnit"}
    log "$example on $label"
    rm -rf "$example/target/pybudget"
    (cd "$example" && mvn -B -q ${profile:+-P"$profile"} test)
    for f in summary.md index.html FirstRequestTest-firstRequestImportsStayWithinBudget.{html,json,trace.json} \
             WarmRequestTest-aWarmRequestOfHundredItems.{html,json,trace.json}; do
        [[ -s $example/target/pybudget/$f ]] || die "$example/target/pybudget/$f is missing after the run on $label"
    done
    # 3 annotations and 5 assertions; the 2 assertion failures the tests catch on purpose are left out.
    grep -q "8 budgets, 8 passed" "$example/target/pybudget/summary.md" ||
        die "the summary of the run on $label does not show the 8 passed budgets: $(head -n 1 "$example/target/pybudget/summary.md")"
    # The pages a person opens: each draws itself in a real browser, without a script error.
    for page in "$example"/target/pybudget/*Test-*.html; do
        profile_dir=$(mktemp -d)
        dom=$(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
            --disable-component-update --disable-sync --user-data-dir="$profile_dir" --enable-logging=stderr --v=0 \
            --dump-dom "file://$PWD/$page" 2>"$profile_dir.log")
        console=$(grep ':CONSOLE' "$profile_dir.log" || true)
        rm -rf "$profile_dir" "$profile_dir.log"
        [[ -z $console ]] || die "$page wrote on the browser's console: $console"
        [[ $dom == *'data-rendered="true"'* ]] || die "$page did not draw itself in chromium"
    done
    # Stored resources must be closed on every supported JUnit (5.10 closes only CloseableResource).
    left=$(docker ps -q --filter "ancestor=$image")
    [[ -z $left ]] || die "containers of $image still run after the run on $label: $left"
    log "$example on $label: passed, reports written, nothing left running"
done
