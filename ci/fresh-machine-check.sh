#!/usr/bin/env bash
# Does ci/setup-engine.sh install everything the build and the tests need? A machine that was set up
# by hand once cannot tell (a green CI hid a missing systemtap-sdt-dev that way), so this starts a
# bare debian:bookworm-slim container (the base image setup-engine.sh seeds), copies the repository
# in (tracked and new files, no target/), runs the set-up script there with
# PYBUDGET_SETUP_PACKAGES_ONLY=1 (only the Docker engine and the base images are skipped: a
# container has no engine or kernel of its own to set up), then:
#   1. checks that every tool the tests and the main job exec is on PATH (named when missing);
#   2. builds the BPF objects, the Java sources and tests (mvn test-compile, bpf/Makefile included);
#   3. runs the tests that need neither BPF rights nor a Docker engine: the ELF tests, which compile
#      the C fixtures with <sys/sdt.h> and read them and Debian's python3.11 with readelf.
# It fails naming what is missing. Maven's downloads come from the host's ~/.m2/repository when it
# has them (mounted read-only, used as a file:// repository ahead of Maven Central), else from Central.
# pyenv's CPythons (the machine image has them; no script installs them) are mounted read-only when
# the host has them: the ELF tests read one as "a CPython without markers".
#
# Usage: bash ci/fresh-machine-check.sh [--setup-script FILE]   (FILE: another set-up script to check,
#        e.g. an older one: git show main:ci/setup-engine.sh > /tmp/old.sh)
# Needs a Docker engine and the image debian:bookworm-slim (run ci/setup-engine.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."

readonly IMAGE=debian:bookworm-slim
setup_script=ci/setup-engine.sh
if [[ ${1:-} == --setup-script ]]; then
    setup_script=${2:?--setup-script needs a file}
elif [[ $# -gt 0 ]]; then
    echo "usage: $0 [--setup-script FILE]" >&2
    exit 2
fi
[[ -f $setup_script ]] || { echo "fresh-machine check: no such set-up script: $setup_script" >&2; exit 2; }
docker image inspect "$IMAGE" >/dev/null 2>&1 ||
    { echo "fresh-machine check: the image $IMAGE is missing: run sudo bash ci/setup-engine.sh" >&2; exit 2; }

mounts=()
if [[ -d $HOME/.m2/repository ]]; then
    mounts+=(-v "$HOME/.m2/repository:/host-m2:ro")
fi
if [[ -d /root/.pyenv/versions ]]; then
    mounts+=(-v /root/.pyenv:/root/.pyenv:ro)
fi

# Inside the container: the commands a new user's machine would run, each failing loudly.
read -r -d '' inside <<'EOF' || true
set -euo pipefail
fail() { echo "fresh-machine check: FAILED: $*" >&2; exit 1; }
cd /repo
echo "== setup-engine.sh (PYBUDGET_SETUP_PACKAGES_ONLY=1)"
PYBUDGET_SETUP_PACKAGES_ONLY=1 bash /setup-engine.sh || fail "the set-up script failed (its log: /var/log/pybudget-setup-apt.log)"

echo "== tools the tests and the main job exec"
missing=()
# gcc/readelf: C fixtures (elf/, cli/BadInputTest); capsh: BadInputTest; unshare: NoDockerTest;
# kill: reliability tests; bpftrace: bench/Tool; docker, debootstrap: containers and seeding.
for tool in clang make gcc readelf capsh unshare kill bpftrace java javac mvn docker debootstrap; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
for file in /usr/bin/python3.11 /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0 /usr/include/bpf/usdt.bpf.h; do
    [[ -e $file ]] || missing+=("$file")
done
[[ -e /usr/include/x86_64-linux-gnu/sys/sdt.h || -e /usr/include/sys/sdt.h ]] || missing+=("<sys/sdt.h>")
echo 'int main(void) { return 0; }' > /tmp/cc.c
gcc -o /tmp/cc /tmp/cc.c 2>/dev/null || missing+=("a working gcc (libc6-dev)")
((${#missing[@]} == 0)) || fail "missing after set-up: ${missing[*]}"

# Maven: the host's cache as a file:// repository ahead of Central (plugins too).
mkdir -p /root/.m2
if [[ -d /host-m2 ]]; then
    cat > /root/.m2/settings.xml <<'XML'
<settings><profiles><profile><id>host-cache</id>
  <repositories><repository><id>host-cache</id><url>file:///host-m2</url></repository></repositories>
  <pluginRepositories><pluginRepository><id>host-cache</id><url>file:///host-m2</url></pluginRepository></pluginRepositories>
</profile></profiles><activeProfiles><activeProfile>host-cache</activeProfile></activeProfiles></settings>
XML
fi
echo "== mvn test-compile (BPF objects, Java sources and tests)"
mvn -B -q -pl harness test-compile || fail "the build failed (above)"
echo "== the tests that need no BPF rights and no Docker engine: dev/pybudget/elf/**"
mvn -B -q -pl harness test -Dtest='dev/pybudget/elf/**' -Dsurefire.failIfNoSpecifiedTests=false ||
    fail "the ELF tests failed (above: each names the package it lacks)"
echo "fresh-machine check: passed"
EOF

start=$SECONDS
name=pybudget-fresh-machine-check-$$
# The repository as git sees it (tracked and new files, nothing ignored), streamed in: no bind mount
# of the work tree, so nothing built there leaks in or out.
# docker run's client does not stop the container on a signal (bash is its pid 1): remove it.
trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
status=0
git ls-files -z --cached --others --exclude-standard | xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
    tar --null -T - -c -f - |
    docker run --rm -i --name "$name" --label dev.pybudget.fresh-machine-check=true \
        -v "$(realpath "$setup_script"):/setup-engine.sh:ro" "${mounts[@]}" \
        "$IMAGE" bash -c "mkdir /repo && tar -x -C /repo && $inside" || status=$?
echo "fresh-machine check: $((SECONDS - start)) s, exit $status (set-up script: $setup_script)"
exit "$status"
