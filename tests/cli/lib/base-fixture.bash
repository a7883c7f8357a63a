# Fixture for the tests of scripts/fetch-base.sh (tests/cli/base-*.sh):
# a throw-away repository root with its own series.conf pinning a tiny
# fake QEMU tarball, a fake apt configuration whose bookworm mirror is a
# loopback HTTP server, and nothing reachable upstream.  No QEMU build and
# no network.  Sourced; brings in tests/lib/test-lib.sh.  Each check
# failed is a not_ok: the test goes on and test_done fails it.

. "$(dirname "${BASH_SOURCE[0]}")/../../lib/test-lib.sh"
require_qfork
repo=$top
fetch_base=$repo/scripts/fetch-base.sh
server_pid=''
stop_server() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
}
test_at_exit stop_server

PIN_VERSION=11.1.1
PIN_TARBALL=qemu_${PIN_VERSION}+ds.orig.tar.xz
POOL=pool/main/q/qemu

# make_tree DIR VERSION: a minimal "QEMU" source tree.
make_tree() {
    mkdir -p "$1/hw/arm"
    echo "$2" >"$1/VERSION"
    printf '#!/bin/sh\necho fake configure\n' >"$1/configure"
    chmod +x "$1/configure"
    printf 'int smmuv3;\n' >"$1/hw/arm/smmuv3.c"
    # as in QEMU, .gitignore'd files ship in the tarball and must be kept
    printf 'subprojects/keycodemapdb\n' >"$1/.gitignore"
    mkdir -p "$1/subprojects/keycodemapdb" && echo keymaps >"$1/subprojects/keycodemapdb/README"
}

# make_tarball OUT VERSION: the tarball of such a tree (qemu-VERSION/...).
make_tarball() {
    local d
    d=$(mktemp -d -p "$work")
    make_tree "$d/qemu-$2" "$2"
    tar -C "$d" -cJf "$1" "qemu-$2"
    rm -rf "$d"
}

make_tarball "$work/good.tar.xz" "$PIN_VERSION"
PIN_SHA256=$(sha256sum "$work/good.tar.xz" | cut -d' ' -f1)

# A fresh repository root using that pin; $proj.
new_top() {
    proj=$(mktemp -d -p "$work" proj.XXXX)
    cat >"$proj/series.conf" <<CONF
# test pin
base $PIN_VERSION
  tarball $PIN_TARBALL
  sha256 $PIN_SHA256
CONF
}

# serve_mirror FILE [TRUNCATE-SUFFIX]: a loopback mirror whose pool holds
# FILE under the pinned name; sets $mirror_url and $APT_ETC.
serve_mirror() {
    local root=$work/mirror.$RANDOM
    mkdir -p "$root/debian/$POOL"
    cp "$1" "$root/debian/$POOL/$PIN_TARBALL"
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
    rm -f "$work/port"
    /usr/bin/python3 "$repo/tests/cli/lib/http-serve.py" "$root" "$work/port" ${2:+"$2"} \
        2>>"$work/http.log" &
    server_pid=$!
    local i
    for i in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
    [ -s "$work/port" ] || { echo "http server did not start"; cat "$work/http.log"; exit 1; }
    mirror_url=http://127.0.0.1:$(cat "$work/port")/debian
    use_apt_uri "$mirror_url"
}

# use_apt_uri URI: a fake /etc/apt whose bookworm source is URI.
use_apt_uri() {
    APT_ETC=$work/apt.$RANDOM
    mkdir -p "$APT_ETC/sources.list.d"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n' \
        "$1" >"$APT_ETC/sources.list.d/debian.sources"
    export APT_ETC
}

# run_fetch [VAR=VALUE...]: run fetch-base.sh for $proj; output in $out, status in $rc.
run_fetch() {
    out=$(env TOP="$proj" QFORK="$QFORK" QEMU_UPSTREAM_GIT="http://127.0.0.1:9/qemu.git" \
              UPSTREAM_TIMEOUT=5 "$@" "$fetch_base" 2>&1)
    rc=$?
    printf '%s\n' "$out" | sed 's/^/    | /'
}

expect_refused() { # $1 what, $2 message regex
    if [ "$rc" -ne 1 ]; then not_ok "$1: exit $rc, expected 1"; return; fi
    if ! grep -Eq "$2" <<<"$out"; then not_ok "$1: message does not match /$2/"; return; fi
    pass "$1: refused with a clear message"
}

expect_nothing_installed() { # $1 what
    local leftovers
    leftovers=$(cd "$proj" && ls -A | grep -v -x -e series.conf -e cache || true)
    if [ -n "$leftovers" ]; then not_ok "$1: left behind: $leftovers"; return; fi
    if [ -d "$proj/cache" ] && [ -n "$(ls -A "$proj/cache")" ]; then
        not_ok "$1: cache holds $(ls -A "$proj/cache")"; return
    fi
    pass "$1: no qemu/, no base.lock, nothing cached or half-written"
}

