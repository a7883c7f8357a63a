#!/usr/bin/env bash
# Install what building and testing the fork needs on Debian 12 (bookworm).
#
#  - Debian 12 packages: the QEMU build, the qfork tool, the tests.
#  - meson >= 1.5 and python3-pycotap from bookworm-backports (QEMU 11.x
#    needs them); a backports source is added, if missing, with the same
#    mirror URIs that the machine's own apt sources use for bookworm.
#  - for a cross build (GRACE_ARCH, i.e. make ARCH=arm64, differs from
#    this machine's architecture): Debian's cross toolchain, the target's
#    -dev libraries from multiarch (dpkg --add-architecture) and
#    qemu-user-static to run the result.  Only then.
#  - python3-qemu-qmp, which only Debian unstable has (arch all, depends
#    only on python3): the pinned .deb is fetched from the same mirror's
#    pool and checked against its sha256, or, if the pool has moved on,
#    downloaded with a private apt index of unstable (signature-checked by
#    apt).  Unstable is never added to the system's sources.
#
# As root it installs what is missing; otherwise it prints the exact
# commands and fails.  When everything is present it only checks (well
# under a second).  DEPS_DRY_RUN=1 prints the plan without changing
# anything.
#
# usage: scripts/install-deps.sh [--check]
set -euo pipefail
. "$(dirname "$0")/pipeline-lib.sh"

# Debian 12 packages, by what needs them.  Teammates: add yours here.
APT_PACKAGES=(
    # QEMU build (aarch64-softmmu, see scripts/configure-qemu.sh)
    build-essential git ninja-build pkg-config python3 python3-venv
    python3-setuptools python3-wheel libglib2.0-dev libpixman-1-dev
    libfdt-dev libcap-ng-dev zlib1g-dev flex bison ccache
    device-tree-compiler bzip2 xz-utils curl ca-certificates
    # qfork (C11 + glib2) and its tests
    libgit2-dev quilt bc clang libclang-rt-14-dev cppcheck clang-format
    # tests/qemu: iasl decodes ACPI tables; QEMU's numa-test needs the
    # virtio-net option ROM (ipxe-qemu); bios-tables-test needs edk2
    acpica-tools ipxe-qemu qemu-efi-aarch64
    # tests/cli/series-html.sh opens the rendered table page headless
    chromium
    # make deb (scripts/build-deb.sh) and its tests
    lintian
    # tests/ci, tests/slow/gitlab-ci-local.sh: npm tools, gitlab-ci-local's rsync
    rsync
)
# Node.js and npm from Debian, unless the machine has an npm of its own.
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
# A cross build for GRACE_ARCH: the libraries of the QEMU build above, for
# that architecture, and its pkg-config (pkgconf is Multi-Arch: same).
# Bookworm's libfdt-dev is not Multi-Arch: same (installing it for arm64
# would remove the amd64 one): the cross build takes libfdt1 and links it
# through a symlink of its own (scripts/configure-qemu.sh).
CROSS_ARCH=''
if grace_is_cross; then
    CROSS_ARCH=$(grace_arch)
    deb_gnu_type "$CROSS_ARCH" >/dev/null
    APT_PACKAGES+=(crossbuild-essential-"$CROSS_ARCH" qemu-user-static)
    # and libgit2-dev's library (its -dev cannot be installed for two
    # architectures either: scripts/deb.mk): the package's qfork is
    # cross-built too
    for p in pkgconf libglib2.0-dev libpixman-1-dev libfdt1 libcap-ng-dev zlib1g-dev libgit2-1.5; do
        APT_PACKAGES+=("$p:$CROSS_ARCH")
    done
fi
# For tests and one-off needs: more packages, space-separated.
# shellcheck disable=SC2206
APT_PACKAGES+=(${DEPS_EXTRA_PACKAGES:-})
BACKPORTS_PACKAGES=(meson python3-pycotap)
MESON_MIN=1.5

QMP_PACKAGE=python3-qemu-qmp
QMP_POOL_PATH=pool/main/p/python-qemu-qmp/python3-qemu-qmp_0.0.6-1.1_all.deb
QMP_SHA256=584fdc71673c328ea08a99e01ad2a8c7456adb96f753aa1854ece91bcd279b32

BACKPORTS_LIST=/etc/apt/sources.list.d/grace-fork-bookworm-backports.sources
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
export DEBIAN_FRONTEND=noninteractive

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# One dpkg-query for the whole list keeps the all-present case quick.
missing_apt() {
    local have
    # PKG:ARCH for every installed package, and PKG alone for this
    # machine's architecture (or all), as the list names them.
    have=$(dpkg-query -W -f='${Package} ${Architecture} ${Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null |
           awk -v native="$(native_arch)" '/ install ok installed$/ {
               print $1 ":" $2; if ($2 == native || $2 == "all") print $1 }')
    printf '%s\n' "${APT_PACKAGES[@]}" | grep -vxF -f <(printf '%s\n' "$have") || true
}

missing_backports() {
    local v
    v=$(dpkg-query -W -f='${Version}' meson 2>/dev/null || true)
    if [ -z "$v" ] || ! installed meson || ! dpkg --compare-versions "$v" ge "$MESON_MIN"; then
        echo meson
    fi
    installed python3-pycotap || echo python3-pycotap
}

missing_qmp() {
    installed "$QMP_PACKAGE" || echo "$QMP_PACKAGE"
}

backports_source_text() {
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
        "$(apt_bookworm_uris | tr '\n' ' ' | sed 's/ $//')" "$KEYRING"
}

# Print what a root user would run.
print_commands() {
    local apt=$1 bp=$2 qmp=$3 mirror
    mirror=$(apt_bookworm_uris | head -n 1)
    echo "Run as root (or with sudo):"
    if [ -n "$apt" ]; then
        cross_arch_enabled || echo "  dpkg --add-architecture $CROSS_ARCH"
        echo "  apt-get update"
        echo "  apt-get install -y --no-install-recommends $apt"
    fi
    if [ -n "$bp" ]; then
        if [ -z "$(apt_suite_uris bookworm-backports)" ]; then
            echo "  cat > $BACKPORTS_LIST <<'EOF'"
            backports_source_text | sed 's/^/  /'
            echo "  EOF"
            echo "  apt-get update"
        fi
        echo "  apt-get install -y --no-install-recommends -t bookworm-backports $bp"
    fi
    if [ -n "$qmp" ]; then
        echo "  curl -fLo /tmp/qmp.deb ${mirror:-<your Debian mirror>}/$QMP_POOL_PATH"
        echo "  echo '$QMP_SHA256  /tmp/qmp.deb' | sha256sum -c && dpkg -i /tmp/qmp.deb"
    fi
    echo "(or run: sudo scripts/install-deps.sh)"
}

apt_updated=''
apt_update() {
    [ -z "$apt_updated" ] || return 0
    note "apt-get update"
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt_updated=1
}

# dpkg knows the cross build's architecture (or there is none).
cross_arch_enabled() {
    [ -z "$CROSS_ARCH" ] || dpkg --print-foreign-architectures | grep -qx "$CROSS_ARCH"
}

install_apt() {
    banner "deps: installing from Debian 12: $*"
    if ! cross_arch_enabled; then
        note "dpkg --add-architecture $CROSS_ARCH (Debian multiarch, for the cross build)"
        dpkg --add-architecture "$CROSS_ARCH" || die "dpkg --add-architecture $CROSS_ARCH failed"
        apt_updated=''
    fi
    apt_update
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
        die "apt-get install $* failed"
}

ensure_backports_source() {
    [ -z "$(apt_suite_uris bookworm-backports)" ] || return 0
    [ -n "$(apt_bookworm_uris)" ] ||
        die "no apt source for Debian bookworm in /etc/apt: cannot derive a bookworm-backports source"
    note "adding $BACKPORTS_LIST (the bookworm mirror's URIs, suite bookworm-backports)"
    backports_source_text >"$BACKPORTS_LIST"
    apt_updated=''
}

install_backports() {
    banner "deps: installing from bookworm-backports: $*"
    ensure_backports_source
    apt_update
    apt-get install -y -qq --no-install-recommends -t bookworm-backports "$@" >/dev/null ||
        die "apt-get install -t bookworm-backports $* failed"
}

# The .deb from the pinned pool path of the first mirror that has it.
download_qmp_pinned() {
    local dest=$1 uri
    for uri in $(apt_bookworm_uris); do
        if download_verified "$uri/$QMP_POOL_PATH" "$dest" "$QMP_SHA256"; then
            note "verified sha256 $QMP_SHA256"
            return 0
        fi
    done
    return 1
}

# When unstable has moved past the pinned version: a private apt index of
# unstable (pipeline-lib.sh), so apt checks the archive's signature and
# the package's hash, without touching the system's sources.
download_qmp_private_index() {
    apt_private_download unstable "$(dpkg --print-architecture)" "$1" "$QMP_PACKAGE"
}

install_qmp() {
    banner "deps: installing $QMP_PACKAGE (Debian unstable, arch all)"
    local dir=$TOP/cache/debs deb
    mkdir -p "$dir"
    deb=$dir/$(basename "$QMP_POOL_PATH")
    if [ -f "$deb" ] && [ "$(sha256_of "$deb")" = "$QMP_SHA256" ]; then
        note "using cache/debs/$(basename "$deb") (sha256 checked)"
    elif ! download_qmp_pinned "$deb"; then
        note "pinned $(basename "$QMP_POOL_PATH") not in the pool; asking unstable's index"
        download_qmp_private_index "$dir" ||
            die "could not download $QMP_PACKAGE from Debian unstable"
        deb=$(ls -t "$dir"/python3-qemu-qmp_*_all.deb | head -n 1)
        note "downloaded $(basename "$deb") (apt checked the archive signature)"
    fi
    dpkg -i "$deb" >/dev/null || die "dpkg -i $(basename "$deb") failed"
}

main() {
    local apt bp qmp
    apt=$(missing_apt | tr '\n' ' ' | sed 's/ $//')
    bp=$(missing_backports | tr '\n' ' ' | sed 's/ $//')
    qmp=$(missing_qmp)
    if [ -z "$apt$bp$qmp" ]; then
        banner "deps: all $((${#APT_PACKAGES[@]} + ${#BACKPORTS_PACKAGES[@]} + 1)) packages present"
        return 0
    fi
    banner "deps: missing: $apt $bp $qmp"
    if [ "${1:-}" = --check ] || [ "${DEPS_DRY_RUN:-0}" = 1 ] || [ "$(id -u)" -ne 0 ]; then
        print_commands "$apt" "$bp" "$qmp"
        [ "${DEPS_DRY_RUN:-0}" = 1 ] && return 0
        die "missing build dependencies (see the commands above)"
    fi
    # shellcheck disable=SC2086
    [ -z "$apt" ] || install_apt $apt
    # shellcheck disable=SC2086
    [ -z "$bp" ] || install_backports $bp
    [ -z "$qmp" ] || install_qmp
    apt=$(missing_apt)$(missing_backports)$(missing_qmp)
    [ -z "$apt" ] || die "still missing after installing: $apt"
    banner "deps: done"
}

main "$@"
