#!/usr/bin/env bash
# The ACPI tables of a Grace-like virt machine, as the fork's binary builds
# them: an iommufd object, two arm-smmuv3 each on its own pxb-pcie root
# complex with a device standing in for a GPU, and generic initiator
# objects giving each GPU two memory-less NUMA nodes.  Checks, on the
# tables decoded by iasl:
#   IORT  two SMMUv3 nodes at distinct base addresses, and the root
#         complex mapping each pxb's requester IDs (bus_nr << 8) to its
#         own SMMU;
#   SRAT  one Generic Initiator Affinity structure (PCI handle) per
#         acpi-generic-initiator object, with its proximity domain and its
#         GPU's bus.
# The machine runs under the qtest accelerator (no guest code, no
# firmware); tests/tools/acpi-dump numbers the buses behind the root ports
# as firmware would (ECAM writes) and reads the tables over fw_cfg.
# tests/qemu/gi-order.sh checks the order of the GI entries.
#
# Environment: QEMU_SYSTEM (default qemu/build/qemu-system-aarch64).
# Exit: 0 pass, 77 skip (last line says why), else fail.
# test-lib: exclusive (boots the VM in edk2 under TCG)
set -uo pipefail

. "$(dirname "$0")/../lib/test-lib.sh"
qemu=$QEMU_SYSTEM
require_qemu
command -v iasl >/dev/null || { echo "iasl not installed (Debian package acpica-tools)"; exit 77; }
make -s -C "$top" -f tests/tools/tools.mk tools || exit 1
acpi_dump=$top/build/tools/acpi-dump


# GPU stand-in -> its pxb's root bus number (bus_nr), the bus behind the
# root port at 00.0 of that bus where the GPU sits, and its generic
# initiators' nodes.
declare -A root_bus=([gpu0]=16 [gpu1]=32)
declare -A gpu_bus=([gpu0]=17 [gpu1]=33)
declare -A gpu_nodes=([gpu0]="1 2" [gpu1]="3 4")
gpus=(gpu0 gpu1)

# The firmware stand-in: virt builds ACPI tables only when firmware is
# loaded; under qtest no guest code runs, so any file will do.
head -c 4096 /dev/zero >"$work/firmware.bin"

# iommufd: the real /dev/iommu where the host has it; otherwise an fd that
# is never used (the backend opens nothing until a VFIO device attaches).
if [ -c /dev/iommu ] && [ -r /dev/iommu ]; then
    iommufd=(-object iommufd,id=iommufd0)
    echo "iommufd: /dev/iommu"
else
    iommufd=(-object iommufd,id=iommufd0,fd=3)
    echo "iommufd: no /dev/iommu on this host; object given a placeholder fd"
fi

args=(-bios "$work/firmware.bin" -m 512M -smp 2 -cpu max
    -object memory-backend-ram,id=mem0,size=512M
    -numa node,nodeid=0,cpus=0-1,memdev=mem0
    "${iommufd[@]}")
for gpu in "${gpus[@]}"; do
    for n in ${gpu_nodes[$gpu]}; do args+=(-numa "node,nodeid=$n"); done
done
for gpu in "${gpus[@]}"; do
    args+=(-device "pxb-pcie,id=pxb-$gpu,bus_nr=${root_bus[$gpu]},numa_node=0,bus=pcie.0"
        -device "arm-smmuv3,id=smmu-$gpu,primary-bus=pxb-$gpu"
        -device "pcie-root-port,id=rp-$gpu,bus=pxb-$gpu,chassis=${root_bus[$gpu]},addr=0.0"
        -device "pci-testdev,id=$gpu,bus=rp-$gpu")
done
for gpu in "${gpus[@]}"; do
    for n in ${gpu_nodes[$gpu]}; do
        args+=(-object "acpi-generic-initiator,id=gi-$gpu-$n,pci-dev=$gpu,node=$n")
    done
done

# What firmware does at boot: number each root port's secondary bus,
# through virt's high ECAM window.
ecam=$((0x4010000000))
firmware=()
for gpu in "${gpus[@]}"; do
    cfg=$((ecam + (root_bus[$gpu] << 20)))
    firmware+=(--qtest "$(printf 'writeb 0x%x 0x%x' $((cfg + 0x18)) "${root_bus[$gpu]}")"
        --qtest "$(printf 'writeb 0x%x 0x%x' $((cfg + 0x19)) "${gpu_bus[$gpu]}")"
        --qtest "$(printf 'writeb 0x%x 0x%x' $((cfg + 0x1a)) "${gpu_bus[$gpu]}")")
done

echo "QEMU: $qemu"
"$acpi_dump" --qemu "$qemu" --machine virt,gic-version=3 -o "$work/tables" "${firmware[@]}" \
        -- "${args[@]}" 3</dev/null ||
    { echo "FAIL: acpi-dump could not read the tables"; exit 1; }
for t in IORT SRAT; do
    [ -f "$work/tables/$t.dat" ] || { echo "FAIL: the machine has no $t"; exit 1; }
done
(cd "$work/tables" && iasl -d IORT.dat SRAT.dat >"$work/iasl.log" 2>&1) ||
    { cat "$work/iasl.log"; echo "FAIL: iasl could not decode the tables"; exit 1; }


# iasl prints "[OFFh DEC LEN]   Field Name : value"; field_values FIELD
# FILE lists "offset value" for each occurrence.
field_values() {
    sed -n "s/^\[\([0-9A-F]*\)h [0-9]* *[0-9]*\] *$1 : \([^ ]*\).*/\1 \2/p" "$2"
}

# --- IORT -----------------------------------------------------------------
iort=$work/tables/IORT.dsl
mapfile -t smmus < <(field_values "Type" "$iort" | awk '$2 == "04" { print $1 }')
if [ "${#smmus[@]}" -eq 2 ]; then
    ok "IORT has 2 SMMUv3 nodes (at table offsets ${smmus[*]})"
else
    not_ok "IORT has ${#smmus[@]} SMMUv3 nodes, expected 2"
fi
bases=$(field_values "Base Address" "$iort" | awk '{ print $2 }' | sort -u | wc -l)
[ "$bases" -eq 2 ] && ok "the SMMUv3 nodes have distinct base addresses" ||
    not_ok "SMMUv3 base addresses: $(field_values "Base Address" "$iort" | awk '{print $2}' | tr '\n' ' ')"

# Root complex ID mappings as "input-base count output-ref".
mappings=$(awk -F' : ' '
    /Input base/       { ib = $2 }
    /ID Count/         { n = $2 }
    /Output Reference/ { print ib, n, $2 }' "$iort")
# The SMMUv3 nodes are sorted by the first ID they translate: gpu0's
# root complex (bus 16) comes first.  Each root complex's IDs, root bus
# to the GPU's bus, must go to its own SMMU.
i=0
for gpu in "${gpus[@]}"; do
    base=$(printf '%08X' $((root_bus[$gpu] << 8)))
    last=$(printf '%08X' $(((gpu_bus[$gpu] - root_bus[$gpu] + 1) * 256 - 1)))
    ref=$(printf '%08X' $((16#${smmus[$i]:-0})))
    if grep -qx "$base $last $ref" <<<"$mappings"; then
        ok "IORT maps $gpu's root complex (IDs 0x$base + 0x$last) to its SMMUv3 node 0x$ref"
    else
        not_ok "IORT has no mapping 0x$base + 0x$last -> SMMUv3 node 0x$ref for $gpu; mappings (base count ref):"
        sed 's/^/      /' <<<"$mappings"
    fi
    i=$((i + 1))
done

# --- SRAT -----------------------------------------------------------------
srat=$work/tables/SRAT.dsl
# Each GI structure as "domain bus": the handle is segment (2 bytes), then
# the BDF's bus and devfn bytes.
# Each GI structure as "domain handle-type bus": the PCI handle is the
# segment (2 bytes), then the BDF's bus and devfn bytes.
gis=$(awk -F' : ' '
    /Subtable Type/            { gi = ($2 ~ /^05/) }
    gi && /Device Handle Type/ { type = $2 }
    gi && /Proximity Domain/   { dom = $2 }
    gi && /Device Handle :/    { split($2, b, " "); print dom, type, b[3] }' "$srat" |
    while read -r dom type bus; do echo "$((16#$dom)) $type $((16#$bus))"; done)
expected=0
for gpu in "${gpus[@]}"; do
    for n in ${gpu_nodes[$gpu]}; do
        expected=$((expected + 1))
        if grep -qx "$n 01 ${gpu_bus[$gpu]}" <<<"$gis"; then
            ok "SRAT has a PCI generic initiator for node $n at $gpu (bus ${gpu_bus[$gpu]})"
        else
            not_ok "SRAT has no PCI generic initiator for node $n at $gpu (bus ${gpu_bus[$gpu]})"
        fi
    done
done
count=$(grep -c . <<<"$gis")
[ "$count" -eq "$expected" ] && ok "SRAT has $count generic initiator structures" ||
    not_ok "SRAT has $count generic initiator structures, expected $expected"

if [ "$test_failures" -ne 0 ]; then
    echo "--- IORT decoded by iasl:"; grep -v '^ *[0-9A-F]\{4\}: ' "$iort"
    echo "--- SRAT decoded by iasl:"; grep -v '^ *[0-9A-F]\{4\}: ' "$srat"
fi
test_done
