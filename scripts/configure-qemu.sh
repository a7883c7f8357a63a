#!/usr/bin/env bash
# Configure qemu/build for the Grace fork: aarch64-softmmu only, with what
# Grace guests need (iommufd, accelerated SMMUv3 + CMDQV, VFIO-PCI, ACPI
# generic initiators: all selected by Kconfig once VFIO is on, which
# `make verify` checks), system libfdt, pixman, libcap-ng, KVM on an
# aarch64 host.  configure runs again only when the options change.
#
# GRACE_ARCH (make ARCH=arm64) other than this machine's: a cross build in
# qemu/build-ARCH with Debian's cross toolchain (--cross-prefix, the
# target's -dev libraries from multiarch, its pkg-config), KVM enabled
# for an aarch64 host as on a Grace machine.
#
# usage: scripts/configure-qemu.sh [TREE]   (default: qemu/ at the repo root)
set -euo pipefail
. "$(dirname "$0")/pipeline-lib.sh"

grace_tree_and_build "$@"
[ -x "$tree/configure" ] || die "$tree: not a QEMU source tree (no configure)"

# The fork and the exact series that built the binary, for --version:
# this repository's commit, and a digest of series.conf and every patch.
series_digest() {
    (cd "$TOP" && {
        sha256sum series.conf
        find patches -type f -name '*.patch' -print0 | sort -z | xargs -0r sha256sum
    }) | sha256sum | cut -c1-12
}
fork_describe() {
    git -C "$TOP" describe --always --tags 2>/dev/null || echo unknown
}
# The version first (grace_version, the .deb's too; "unknown" in a
# shallow clone), then the commit and the series digest.
pkgversion="grace-fork $(grace_version || echo unknown) $(fork_describe) series $(series_digest)"

# QEMU's configure must use the system python (meson >= 1.5, pycotap and
# qemu.qmp come as Debian packages), and never download anything.
opts=(
    --target-list=aarch64-softmmu
    --python=/usr/bin/python3
    --disable-download
    --disable-install-blobs
    --enable-fdt=system
    --enable-pixman
    --enable-cap-ng
    --disable-docs
)
cc=${CC:-gcc}
if grace_is_cross; then
    triplet=$(deb_gnu_type)
    cc=$triplet-gcc
    command -v "$cc" >/dev/null ||
        die "no $cc: the cross build needs crossbuild-essential-$(grace_arch) (scripts/install-deps.sh installs it)"
    opts+=("--cross-prefix=$triplet-")
    # libfdt: the target's libfdt1 (the -dev package cannot be installed
    # for two architectures in bookworm) under its linker name, with the
    # native libfdt-dev's headers, which are the same for every one.
    fdt=/usr/lib/$triplet/libfdt.so.1
    [ -e "$fdt" ] || die "no $fdt: the cross build needs libfdt1:$(grace_arch) (scripts/install-deps.sh installs it)"
    mkdir -p "$build/grace-cross-lib"
    ln -sfn "$fdt" "$build/grace-cross-lib/libfdt.so"
    opts+=("--extra-ldflags=-L$build/grace-cross-lib")
fi
if [ "$(deb_gnu_cpu)" = aarch64 ]; then
    opts+=(--enable-kvm)
fi
if command -v ccache >/dev/null && [ "${QEMU_CCACHE:-1}" != 0 ]; then
    opts+=("--cc=ccache $cc")
else
    opts+=("--cc=$cc")
fi
opts+=("--with-pkgversion=$pkgversion")
# Extra options for experiments, e.g. QEMU_CONFIGURE_EXTRA=--enable-debug.
# shellcheck disable=SC2206
opts+=(${QEMU_CONFIGURE_EXTRA:-})

stamp=$build/grace-configure-options
wanted=$(printf '%s\n' "${opts[@]}")
if [ -f "$build/build.ninja" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    banner "configure: options unchanged, keeping $rel ($pkgversion)"
    exit 0
fi

banner "configure: aarch64-softmmu for $(grace_arch) in $rel ($pkgversion)"
for o in "${opts[@]}"; do note "$o"; done
mkdir -p "$build"
# The qfork tree ignores build/ only: keep any other build directory out
# of git status too, or qemu/ would count as having uncommitted changes.
[ "$build" = "$tree/build" ] || echo '*' >"$build/.gitignore"
rm -f "$stamp"
log=$build/grace-configure.log
start=$(date +%s)
if ! (cd "$build" && ../configure "${opts[@]}") >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "QEMU configure failed (full log: $rel/grace-configure.log)"
fi
printf '%s\n' "$wanted" >"$stamp"
note "configured in $(($(date +%s) - start))s (log: $rel/grace-configure.log)"
