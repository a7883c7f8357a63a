#!/usr/bin/env bash
# The guest boot test's Debian packages, fetched and cached (issue 11):
#
#   kernel    linux-image-cloud-arm64 of $GUEST_KERNEL_SUITE (default
#             bookworm-backports: 6.12, ARM_SMMU_V3=y VIRTIO_PCI=y
#             ACPI_NUMA=y), the image package its metapackage names
#   busybox   busybox-static:arm64 (unstable)
#   firmware  qemu-efi-aarch64 of $GUEST_FIRMWARE_SUITE (default unstable:
#             2026.08; Debian 12's 2022.11 breaks guest NUMA, see
#             docs/grace-vm.md)
#
# They come from the mirror the machine's apt sources name, through a
# private apt index (scripts/pipeline-lib.sh: apt_private_setup), so apt
# checks the archive's signature and each package's hash; the system's
# sources are not touched.  The verified .debs and their sha256 sums are
# kept in cache/guest/debs/, unpacked in cache/guest/root/; a later run
# checks the sums and reuses them without asking the mirror.  A failed or
# interrupted download leaves the previous cache as it was.
#
# Prints KEY=VALUE lines (KERNEL, BUSYBOX, AAVMF_CODE, AAVMF_VARS and the
# three package versions) for the caller to read.
#
# usage: tests/guest/lib/guest-assets.sh [--refresh]
set -euo pipefail
. "$(dirname "$0")/../../../scripts/pipeline-lib.sh"

cache=${GUEST_CACHE:-$TOP/cache/guest}
kernel_suite=${GUEST_KERNEL_SUITE:-bookworm-backports}
firmware_suite=${GUEST_FIRMWARE_SUITE:-unstable}

assets_env() {   # assets_env ROOT: the KEY=VALUE lines for an unpacked root
    local root=$1 kernel
    kernel=$(ls "$root"/boot/vmlinuz-* 2>/dev/null | head -n 1)
    [ -n "$kernel" ] && [ -x "$root/usr/bin/busybox" ] &&
        [ -r "$root/usr/share/AAVMF/AAVMF_CODE.fd" ] &&
        [ -r "$root/usr/share/AAVMF/AAVMF_VARS.fd" ] || return 1
    printf 'KERNEL=%s\nBUSYBOX=%s\nAAVMF_CODE=%s\nAAVMF_VARS=%s\n' "$kernel" \
        "$root/usr/bin/busybox" "$root/usr/share/AAVMF/AAVMF_CODE.fd" \
        "$root/usr/share/AAVMF/AAVMF_VARS.fd"
    cat "$cache/debs/VERSIONS"
}

cached() {
    [ -f "$cache/debs/SHA256SUMS" ] && [ -f "$cache/debs/VERSIONS" ] &&
        (cd "$cache/debs" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1) &&
        assets_env "$cache/root" >/dev/null
}

fetch() {
    local new=$cache/new meta depends image deb
    rm -rf "$new"
    mkdir -p "$new/debs" "$new/root"
    # Both suites in one private index; the lists are kept for a day.
    apt_private_setup "$firmware_suite $kernel_suite" arm64 "$cache/apt" ||
        die "cannot read the Debian indexes of $firmware_suite and $kernel_suite (arm64)"
    (cd "$new/debs" && apt-get "${APT_PRIVATE_OPTS[@]}" download -qq \
        "linux-image-cloud-arm64/$kernel_suite" >/dev/null) ||
        die "no linux-image-cloud-arm64 in $kernel_suite (arm64)"
    meta=$(ls "$new"/debs/linux-image-cloud-arm64_*.deb)
    depends=$(dpkg-deb -f "$meta" Depends)
    # "linux-image-6.12.95+deb12-cloud-arm64 (= 6.12.95-1~bpo12+1)"
    image=$(printf '%s\n' "$depends" | tr ',' '\n' |
        sed -n 's/^ *\(linux-image-[^ ]*-cloud-arm64\) *(= *\([^)]*\)).*/\1=\2/p' | head -n 1)
    [ -n "$image" ] || die "$(basename "$meta"): no linux-image-*-cloud-arm64 in Depends: $depends"
    rm -f "$meta"
    (cd "$new/debs" && apt-get "${APT_PRIVATE_OPTS[@]}" download -qq "$image" \
        "busybox-static/$firmware_suite" "qemu-efi-aarch64/$firmware_suite" >/dev/null) ||
        die "cannot download $image, busybox-static, qemu-efi-aarch64 (arm64)"
    mkdir -p "$new/unpacked"
    for deb in "$new"/debs/*.deb; do
        dpkg-deb -x "$deb" "$new/unpacked"
        printf '%s=%s\n' "$(dpkg-deb -f "$deb" Package | tr a-z- A-Z_)" \
            "$(dpkg-deb -f "$deb" Version)"
    done | sed 's/^LINUX_IMAGE_[^=]*=/KERNEL_VERSION=/' >"$new/debs/VERSIONS"
    # Only what the test boots: not the modules, not the other firmware
    # variants (400 MB of them).
    mkdir -p "$new/root/boot" "$new/root/usr/bin" "$new/root/usr/share/AAVMF"
    cp -L "$new"/unpacked/boot/vmlinuz-* "$new/root/boot/"
    cp -L "$new/unpacked/usr/bin/busybox" "$new/root/usr/bin/"
    cp -L "$new"/unpacked/usr/share/AAVMF/AAVMF_{CODE,VARS}.fd "$new/root/usr/share/AAVMF/"
    rm -rf "$new/unpacked"
    (cd "$new/debs" && sha256sum ./*.deb >SHA256SUMS)
    rm -rf "$cache/debs" "$cache/root"
    mv "$new/debs" "$cache/debs"
    mv "$new/root" "$cache/root"
    rmdir "$new"
}

mkdir -p "$cache"
if [ "${1:-}" = --refresh ] || ! cached; then
    echo "guest-assets: fetching the guest's Debian packages into $cache" >&2
    fetch
fi
assets_env "$cache/root"
