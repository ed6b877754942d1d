#!/usr/bin/env bash
# The container path against a Docker engine that is NOT on this machine's loopback, as with a remote
# DOCKER_HOST: a second dockerd listening on 10.213.77.2:2375 inside a network namespace made here, reached
# from the host over a veth pair. Loads the images the tests need into it (no registry), runs the container
# oracle, service, attach and least-privilege tests with DOCKER_HOST pointing at it, and removes everything
# it made (engine, its data, namespace) on every way out. Root, a built harness (mvn package), ~2 minutes.
#
#   sudo bash ci/remote-engine-check.sh
set -euo pipefail

NS=pbremote
ADDR=10.213.77.2
HOST_ADDR=10.213.77.1
ROOT=/var/tmp/pybudget-remote-engine
PIDFILE=/run/pybudget-remote-dockerd.pid
TESTS=${TESTS:-ContainerOracleTest,LazyImportServiceContainerTest,AttachToRunningContainerTest,LeastPrivilegeContainerTest}
cd "$(dirname "$0")/.."

log() { echo "remote-engine-check: $*" >&2; }

cleanup() {
    if [[ -f $PIDFILE ]]; then
        kill "$(cat "$PIDFILE")" 2>/dev/null || true
        for _ in $(seq 50); do [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break; sleep 0.2; done
    fi
    ip netns del "$NS" 2>/dev/null || true          # takes the veth pair with it
    rm -rf "$ROOT"
}
trap cleanup EXIT

ip netns add "$NS"
ip link add pbremote-h type veth peer name pbremote-n
ip link set pbremote-n netns "$NS"
ip addr add "$HOST_ADDR/24" dev pbremote-h
ip link set pbremote-h up
nsenter --net=/var/run/netns/$NS ip addr add "$ADDR/24" dev pbremote-n
nsenter --net=/var/run/netns/$NS ip link set pbremote-n up
nsenter --net=/var/run/netns/$NS ip link set lo up

# nsenter, not `ip netns exec`: the latter mounts a fresh /sys, which hides the cgroup mounts dockerd needs.
mkdir -p "$ROOT/data" "$ROOT/exec"
nsenter --net=/var/run/netns/$NS dockerd --host "tcp://$ADDR:2375" --data-root "$ROOT/data" --exec-root "$ROOT/exec" \
    --pidfile "$PIDFILE" --containerd-namespace pbremote --containerd-plugins-namespace pbremote-plugins \
    --bip 172.31.213.1/24 >"$ROOT/dockerd.log" 2>&1 &
export DOCKER_HOST=tcp://$ADDR:2375
for i in $(seq 150); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
docker version --format 'remote engine {{.Server.Version}} at '"$DOCKER_HOST" || { tail "$ROOT/dockerd.log"; exit 1; }

# The images, from this machine's engine: the base images and pybudget's built ones (the harness builds
# its agent image on the remote engine itself, sending the build context over DOCKER_HOST).
images=(debian:bookworm-slim debian:trixie-slim debian:sid-slim)
for dockerfile in containers/cpython-*/Dockerfile containers/agent/Dockerfile; do
    name=$(basename "$(dirname "$dockerfile")")
    repo=pybudget/$name
    [[ $name == agent ]] && repo=pybudget/agent-runtime
    tag=$(sha256sum "$dockerfile" | cut -c1-12)
    DOCKER_HOST= docker image inspect "$repo:$tag" >/dev/null 2>&1 && images+=("$repo:$tag")
done
log "loading ${images[*]}"
DOCKER_HOST= docker save "${images[@]}" | docker load >/dev/null

cd harness
TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=$ADDR \
    mvn -B -q -o test -Dtest="$TESTS" -Dsurefire.failIfNoSpecifiedTests=false
log "passed against $DOCKER_HOST"
