#!/usr/bin/env bash
# Check, through the built binary itself and the build's device config,
# that qemu-system-aarch64 has everything a Grace VM needs.  Fails loudly,
# naming each missing feature.  Nothing here reads QEMU's sources.
#
#   properties  `-device T,help`, `-object T,help`, `-machine virt,help`
#   config      <build>/aarch64-softmmu-config-devices.mak (Kconfig result)
#   trace       code with no property to show it (the VFIO DMA-BUF export of
#               region BARs): its trace event in `-trace help`, with
#               CONFIG_VFIO=y proving the code is compiled in
#   --version   names the fork and the series (configure --with-pkgversion)
#   accel       an aarch64-host binary (a Grace host's) lists kvm
#
# A binary built for another architecture (make ARCH=arm64 on x86-64) is
# run under qemu-user (see binary_runner in pipeline-lib.sh).
#
# usage: scripts/verify-qemu.sh [QEMU_BINARY]
#   QEMU_CONFIG_DEVICES: the build's aarch64-softmmu-config-devices.mak
#   (default: beside the binary), e.g. the copy an installed package has.
#   VERIFY_EXTRA="KIND:TYPE:NAME ..." adds requirements (for tests that
#   must see this script fail), e.g. "device:arm-smmuv3:no-such-prop".
set -uo pipefail
. "$(dirname "$0")/pipeline-lib.sh"

qemu=${1:-${QEMU_SYSTEM:-$TOP/qemu/build/qemu-system-aarch64}}
[ -x "$qemu" ] || die "$qemu: no such binary (run make first)"
build=$(cd "$(dirname "$qemu")" && pwd)
runner=$(binary_runner "$qemu") || exit 1
mapfile -t run <<<"$runner"

# KIND:TYPE:NAME — what is required, and why (the comment after it).
REQUIRED=(
    # Accelerated nested SMMUv3 (iommufd-backed) with its guest-visible knobs
    device:arm-smmuv3:accel
    device:arm-smmuv3:ats
    device:arm-smmuv3:ril
    device:arm-smmuv3:ssidsize
    device:arm-smmuv3:oas
    device:arm-smmuv3:cmdqv
    # Passthrough through the iommufd backend
    object:iommufd:fd
    device:vfio-pci:iommufd
    # ACPI generic initiators (SRAT) for the GPU's memory-less NUMA nodes
    object:acpi-generic-initiator:pci-dev
    object:acpi-generic-initiator:node
    # GPU BARs above the default high MMIO window
    machine:virt:highmem-mmio-size
    # pxb-pcie root complexes, one per SMMU
    device:pxb-pcie:numa_node
    # Kconfig: the same features as the build selected them
    config:IOMMUFD:y
    config:ARM_SMMUV3:y
    config:ARM_SMMUV3_ACCEL:y
    config:TEGRA241_CMDQV:y
    config:VFIO:y
    config:VFIO_PCI:y
    config:ACPI_PCI:y
    config:PXB:y
    # VFIO regions exported as DMA-BUF (no property shows it)
    trace:vfio:vfio_region_dmabuf
)
# shellcheck disable=SC2206
REQUIRED+=(${VERIFY_EXTRA:-})
# An aarch64 host runs Grace VMs with KVM: configure enables it there.
if [ "$(elf_deb_arch "$qemu")" = arm64 ]; then
    REQUIRED+=(accel:kvm:kvm)
fi

banner "verify: $qemu${run[1]:+ (an $(elf_deb_arch "$qemu") binary, run by $(basename "${run[0]}"))}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The help text of one -device/-object/-machine type, cached per type.
# Property lines look like "  name=<type>  - description".
help_of() {
    local kind=$1 type=$2 f=$work/$1-$2
    if [ ! -f "$f" ]; then
        case $kind in
        device)  "${run[@]}" -nodefaults -display none -device "$type,help" ;;
        object)  "${run[@]}" -nodefaults -display none -object "$type,help" ;;
        machine) "${run[@]}" -nodefaults -display none -machine "$type,help" ;;
        esac >"$f" 2>&1 || echo "($kind $type: not in this binary)" >>"$f"
    fi
    cat "$f"
}

config_mak=${QEMU_CONFIG_DEVICES:-$build/aarch64-softmmu-config-devices.mak}
failures=()
fail() {
    failures+=("$1")
    printf '    MISSING %s\n' "$1"
}
ok() {
    printf '    ok      %s\n' "$1"
}

check_one() {
    local kind=${1%%:*} rest=${1#*:} type name
    type=${rest%%:*} name=${rest#*:}
    case $kind in
    device | object | machine)
        if help_of "$kind" "$type" | grep -Eq "^[[:space:]]+$name=<"; then
            ok "$kind $type: property $name"
        else
            fail "$kind $type: property $name"
        fi ;;
    config)
        if [ ! -r "$config_mak" ]; then
            fail "config CONFIG_$type=$name (no $config_mak)"
        elif grep -qx "CONFIG_$type=$name" "$config_mak"; then
            ok "config CONFIG_$type=$name"
        else
            fail "config CONFIG_$type=$name (aarch64-softmmu-config-devices.mak)"
        fi ;;
    trace)
        [ -f "$work/trace" ] || "${run[@]}" -trace help >"$work/trace" 2>&1 || true
        if grep -qx "$name" "$work/trace"; then
            ok "trace event ($type): $name"
        else
            fail "trace event ($type): $name"
        fi ;;
    accel)
        if "${run[@]}" -accel help 2>/dev/null | grep -qx "$name"; then
            ok "accelerator $name"
        else
            fail "accelerator $name"
        fi ;;
    *)
        fail "unknown requirement '$1' (KIND:TYPE:NAME)" ;;
    esac
}

for req in "${REQUIRED[@]}"; do
    check_one "$req"
done

version=$("${run[@]}" --version | head -n 1)
if [[ $version == *"grace-fork "*" series "* ]]; then
    ok "version: $version"
else
    fail "version names the fork and series (got: $version)"
fi

if [ ${#failures[@]} -ne 0 ]; then
    printf '\n' >&2
    printf 'error: %s lacks %d Grace feature(s):\n' "$qemu" ${#failures[@]} >&2
    printf '  - %s\n' "${failures[@]}" >&2
    printf 'Check the configure options (scripts/configure-qemu.sh) and series.conf.\n' >&2
    exit 1
fi
banner "verify: all $((${#REQUIRED[@]} + 1)) Grace features present"
