#!/usr/bin/env bash
# Prepares a machine to build and run pybudget:
#   1. installs what is missing of the toolchain (clang/llvm/libbpf-dev/make for
#      bpf/, Debian's dtrace-enabled python3.11 and its libpython3.11 for local
#      mode and python3.11-dbg (its build-id debug file names take_gil for the
#      GIL waits), docker.io + debootstrap for the containers, maven + a JDK 17 if
#      there is none), and what the tests call: gcc + libc6-dev +
#      systemtap-sdt-dev (<sys/sdt.h>) for the C fixtures, binutils (readelf),
#      libcap2-bin (capsh), util-linux (unshare), procps (kill), bpftrace,
#      ca-certificates (Maven's downloads),
#   2. makes a Docker engine available (starts dockerd when none answers),
#   3. seeds the base images debian:bookworm-slim, debian:trixie-slim and debian:sid-slim that
#      containers/*/Dockerfile start FROM, when they are absent: a pull when a
#      registry answers, else debootstrap from the machine's Debian mirror and
#      `docker import` (no container registry is needed).
#
# Run as root:  sudo bash ci/setup-engine.sh
# Idempotent: a second run checks, finds everything there and exits in seconds.
# PYBUDGET_SETUP_PACKAGES_ONLY=1 stops after step 1 (no Docker engine, no base
# images): for a machine without a kernel or engine of its own to set up, such
# as the container ci/fresh-machine-check.sh runs this script in.
# Nothing else is assumed present: ci/fresh-machine-check.sh runs this script in
# a bare debian:bookworm-slim, then builds and runs the tests that need no
# kernel or engine; a package missing here fails there, naming it.
set -euo pipefail

readonly DOCKERD_LOG=/var/log/pybudget-dockerd.log
readonly APT_LOG=/var/log/pybudget-setup-apt.log
readonly DOCKERD_TIMEOUT=60
readonly FALLBACK_MIRROR=http://deb.debian.org/debian
readonly FALLBACK_SECURITY_MIRROR=http://deb.debian.org/debian-security
readonly SUITES=(bookworm trixie)

log() { printf '[setup-engine] %s\n' "$*"; }
die() { printf '[setup-engine] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root: sudo bash $0"
export DEBIAN_FRONTEND=noninteractive
# sudo and some CI shells leave the sbin directories out of PATH (dockerd,
# debootstrap live there).
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }
docker_ok() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }

# ---------------------------------------------------------------- packages --
want=()
# What the build and the tests need; a test that misses one fails naming its package.
for pkg in clang llvm libbpf-dev linux-libc-dev make binutils debootstrap bpftrace python3.11 libpython3.11 python3.11-dbg \
    gcc libc6-dev systemtap-sdt-dev libcap2-bin util-linux procps ca-certificates iproute2; do
    installed "$pkg" || want+=("$pkg")
done
# Debian's /usr/bin/python3.11 is the dtrace-enabled build the local mode needs
# (a pyenv or /usr/local python3.11 earlier on PATH does not count).
if [[ ! -x /usr/bin/python3.11 ]] && [[ ! " ${want[*]-} " == *" python3.11 "* ]]; then
    want+=(python3.11)
fi
# A docker engine from elsewhere (docker-ce on CI runners) is fine: docker.io
# only when no engine answers and no dockerd is there to start; docker-cli when
# there is no client (Debian 13 ships it apart from docker.io).
if ! docker_ok; then
    command -v dockerd >/dev/null || want+=(docker.io)
    command -v docker >/dev/null || want+=(docker-cli)
fi
command -v mvn >/dev/null || want+=(maven)
command -v javac >/dev/null || want+=(openjdk-17-jdk-headless)

if ((${#want[@]})); then
    log "packages: installing ${want[*]} (log: $APT_LOG)"
    # The JDK's postinst registers man pages with update-alternatives, which
    # fails where dpkg excludes /usr/share/man (slim images) unless man1 exists.
    mkdir -p /usr/share/man/man1
    apt-get update -qq >"$APT_LOG" 2>&1 || { tail -n 25 "$APT_LOG" >&2; die "apt-get update failed; see $APT_LOG"; }
    # What this distribution lacks: another JDK will do; python3.11 and
    # bpftrace are helpers, not needed by the build (Ubuntu 24.04 has no
    # python3.11), so they get a warning instead of a failure.
    resolved=()
    for pkg in "${want[@]}"; do
        # (captured first: grep -q closing the pipe early fails it under pipefail)
        policy=$(apt-cache policy "$pkg" 2>/dev/null || true)
        if [[ $policy == *"Candidate: "* && $policy != *"Candidate: (none)"* ]]; then
            resolved+=("$pkg")
            continue
        fi
        case $pkg in
        openjdk-17-jdk-headless)
            log "packages: no openjdk-17-jdk-headless in this distribution, taking default-jdk-headless"
            resolved+=(default-jdk-headless) ;;
        python3.11)
            log "packages: WARNING: no python3.11 in this distribution, skipped (the local mode needs a CPython built --with-dtrace)" ;;
        docker-cli) # Debian 12's docker.io has the client in it
            [[ " ${want[*]} " == *" docker.io "* ]] || resolved+=(docker.io) ;;
        bpftrace)
            log "packages: WARNING: no bpftrace in this distribution, skipped (only for poking at probes by hand and the benchmark)" ;;
        libpython3.11)
            log "packages: WARNING: no libpython3.11 in this distribution, skipped (the ELF tests read Debian's)" ;;
        *) resolved+=("$pkg") ;; # apt-get says why
        esac
    done
    want=("${resolved[@]}")
    if ((${#want[@]})) &&
        ! apt-get install -qq -y --no-install-recommends "${want[@]}" >>"$APT_LOG" 2>&1; then
        tail -n 25 "$APT_LOG" >&2
        die "apt-get could not install ${want[*]}; see $APT_LOG"
    fi
    log "packages: installed"
else
    log "packages: all present"
fi

# ------------------------------------------------ report checking tools --
# Debian's chromium renders the HTML reports headless in the tests
# (HtmlReportBrowserTest); yamllint checks the example workflow in .ci/run.
report_tools=()
for pkg in chromium yamllint; do
    installed "$pkg" || report_tools+=("$pkg")
done
if ((${#report_tools[@]})); then
    log "report tools: installing ${report_tools[*]} (log: $APT_LOG)"
    apt-get update -qq >>"$APT_LOG" 2>&1 || { tail -n 25 "$APT_LOG" >&2; die "apt-get update failed; see $APT_LOG"; }
    apt-get install -qq -y --no-install-recommends "${report_tools[@]}" >>"$APT_LOG" 2>&1 ||
        { tail -n 25 "$APT_LOG" >&2; die "apt-get could not install ${report_tools[*]}; see $APT_LOG"; }
    log "report tools: installed"
else
    log "report tools: chromium and yamllint present"
fi

if [[ ${PYBUDGET_SETUP_PACKAGES_ONLY:-0} == 1 ]]; then
    log "done in ${SECONDS}s (PYBUDGET_SETUP_PACKAGES_ONLY=1: no Docker engine, no base images)"
    exit 0
fi

# ----------------------------------------------------------- docker engine --
if docker_ok; then
    log "docker engine: running ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
else
    command -v docker >/dev/null || die "no docker client on PATH (install docker.io)"
    dockerd_bin=$(command -v dockerd) || die "no dockerd on PATH (install docker.io)"
    log "docker engine: starting $dockerd_bin (log: $DOCKERD_LOG)"
    # setsid + nohup: its own session, so it outlives this script and its shell.
    setsid nohup "$dockerd_bin" </dev/null >>"$DOCKERD_LOG" 2>&1 &
    dockerd_pid=$!
    disown "$dockerd_pid" 2>/dev/null || true
    deadline=$((SECONDS + DOCKERD_TIMEOUT))
    until docker info >/dev/null 2>&1; do
        if ! kill -0 "$dockerd_pid" 2>/dev/null; then
            tail -n 20 "$DOCKERD_LOG" >&2 || true
            die "dockerd exited during start-up; see $DOCKERD_LOG"
        fi
        if ((SECONDS >= deadline)); then
            tail -n 20 "$DOCKERD_LOG" >&2 || true
            die "docker engine did not answer within ${DOCKERD_TIMEOUT}s (dockerd pid $dockerd_pid); see $DOCKERD_LOG"
        fi
        sleep 1
    done
    log "docker engine: started (pid $dockerd_pid, $(docker version -f '{{.Server.Version}}' 2>/dev/null))"
fi

# ------------------------------------------------------------- base images --
# The Debian mirror this machine's apt uses (one-line and deb822 formats);
# deb.debian.org when the machine is no Debian or names none.
apt_uris() {
    {
        grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
            sed -E 's/\[[^]]*\]//' | awk '{print $2}'
        grep -hsiE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources |
            sed -E 's/^[[:space:]]*URIs:[[:space:]]*//I' | tr ' ' '\n'
    } | grep -E '^https?://' || true
}
# shellcheck source=/dev/null
os_id=$( (. /etc/os-release 2>/dev/null && echo "${ID:-}") || true)
mirror=$FALLBACK_MIRROR
security_mirror=$FALLBACK_SECURITY_MIRROR
if [[ $os_id == debian ]]; then
    m=$(apt_uris | { grep -v security || true; } | head -n 1)
    s=$(apt_uris | { grep security || true; } | head -n 1)
    mirror=${m:-$FALLBACK_MIRROR}
    security_mirror=${s:-$FALLBACK_SECURITY_MIRROR}
fi
mirror=${mirror%/}
security_mirror=${security_mirror%/}

# Makes a debootstrapped tree look like Docker's debian:SUITE-slim: the full
# apt sources of the suite (with updates and security), dpkg excludes for
# docs/man/locales, no apt lists or caches, no host resolv.conf/hostname.
slim_down() {
    local suite=$1 root=$2
    rm -f "$root/etc/apt/sources.list"
    mkdir -p "$root/etc/apt/sources.list.d"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # sid (unstable) has no -updates or -security suite: apt-get update would fail on them.
    if [[ $suite == sid ]]; then
        printf 'Types: deb\nURIs: %s\nSuites: sid\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "$mirror" >"$root/etc/apt/sources.list.d/debian.sources"
    fi
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
# as in Docker's debian:*-slim images: no docs, man pages or translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
EOF
    echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    find "$root/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete 2>/dev/null || true
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf "$root"/usr/share/{groff,info,linda,lintian,man}/* 2>/dev/null || true
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    : >"$root/etc/resolv.conf"
    echo localhost >"$root/etc/hostname"
}

# Unmounts whatever debootstrap may have left mounted below $1, then removes it
# without ever crossing into another file system.
remove_tree() {
    local root=$1 mnt
    [[ -d $root ]] || return 0
    while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done < <(
        awk -v r="$root/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r)
    rm -rf --one-file-system "$root"
}

seed_by_debootstrap() {
    local suite=$1 image=$2 dblog=$3 script=()
    # Runs in its own subshell: seed_root is global there, for the EXIT trap.
    seed_root=$(mktemp -d "/var/tmp/pybudget-rootfs-$suite.XXXXXX")
    trap 'remove_tree "$seed_root"' EXIT
    local root=$seed_root
    # Debian 12's debootstrap knows trixie; an older one does not: the sid
    # script bootstraps any current suite.
    [[ -e /usr/share/debootstrap/scripts/$suite ]] || script=(/usr/share/debootstrap/scripts/sid)
    if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" "${script[@]}" >"$dblog" 2>&1; then
        tail -n 20 "$dblog" >&2
        return 1
    fi
    slim_down "$suite" "$root"
    tar --numeric-owner -C "$root" -c . |
        docker import --change 'CMD ["bash"]' \
            --message "debootstrap --variant=minbase $suite $mirror (pybudget ci/setup-engine.sh)" \
            - "$image" >/dev/null
}

pids=()
names=()
for suite in "${SUITES[@]}"; do
    image="debian:$suite-slim"
    if docker image inspect "$image" >/dev/null 2>&1; then
        log "base image $image: present"
        continue
    fi
    # Where a registry answers (CI runners), a pull is quickest; here it fails at once.
    if timeout 180 docker pull -q "$image" >/dev/null 2>&1; then
        log "base image $image: pulled"
        continue
    fi
    log "base image $image: debootstrap --variant=minbase $suite from $mirror (log: /var/log/pybudget-debootstrap-$suite.log)"
    # Each suite bootstraps into its own directory and downloads into its own
    # cache, so both run at once.
    (seed_by_debootstrap "$suite" "$image" "/var/log/pybudget-debootstrap-$suite.log") &
    pids+=($!)
    names+=("$image")
done
# ---- debian:sid-slim, the base of containers/cpython-3.14 and cpython-3.15 --
# Debian unstable ships python3.14 and python3.15 with their USDT markers;
# Debian 12's debootstrap builds it with its sid script. Seeded beside the
# suites above, at the same time.
if docker image inspect debian:sid-slim >/dev/null 2>&1; then
    log "base image debian:sid-slim: present"
elif timeout 180 docker pull -q debian:sid-slim >/dev/null 2>&1; then
    log "base image debian:sid-slim: pulled"
else
    log "base image debian:sid-slim: debootstrap --variant=minbase sid from $mirror (log: /var/log/pybudget-debootstrap-sid.log)"
    (seed_by_debootstrap sid debian:sid-slim /var/log/pybudget-debootstrap-sid.log) &
    pids+=($!)
    names+=(debian:sid-slim)
fi
# ------------------------------------------------------------------------------

failed=0
for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
        log "base image ${names[$i]}: imported ($(docker image inspect -f '{{.Size}}' "${names[$i]}" | awk '{printf "%.0f MB", $1 / 1e6}'))"
    else
        log "base image ${names[$i]}: FAILED"
        failed=1
    fi
done
((failed == 0)) || die "could not seed the base images (see /var/log/pybudget-debootstrap-*.log)"

log "done in ${SECONDS}s. The harness builds its images on first use; by hand:"
log "  docker build -t pybudget/cpython-3.11 containers/cpython-3.11"
log "  docker build -t pybudget/cpython-3.13 containers/cpython-3.13"
log "  docker build -t pybudget/cpython-3.14 containers/cpython-3.14"
log "  docker build -t pybudget/cpython-3.15 containers/cpython-3.15"
log "  docker build -t pybudget/agent-runtime containers/agent"
log "On machines without a reachable registry that also have /.dockerenv, a Testcontainers run needs:"
echo "export TESTCONTAINERS_RYUK_DISABLED=true"
echo "export TESTCONTAINERS_HOST_OVERRIDE=localhost"
