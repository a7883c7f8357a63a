#!/usr/bin/env bash
# SRAT generic initiator entries in command-line order (issue 4, table row
# 70ac94ebadd5, patches/0101-hw-acpi-pci-preserve-generic-initiator-*.patch).
#
# A Grace-like VM: two PCI devices standing in for GPUs, each behind a root
# port on its own pxb-pcie root complex, and 8 acpi-generic-initiator
# objects per GPU, one per memory-less NUMA node (the GPU memory nodes the
# guest driver uses for MIG).  The SRAT must list the GI affinity
# structures in the order of the -object options: proximity domain, PCI
# segment and BDF, entry by entry.  Then, at run time, one GI is deleted
# (object-del) and created again (object-add): after system_reset the
# rebuilt SRAT must list the others in the same order and the new one last,
# once; a stale entry for the deleted object would show up as an extra or
# garbled entry (or crash QEMU).  A second VM checks the same for
# acpi-generic-port objects, which the patch orders too.
#
# The GI ids are chosen so that the GLib hash order of the ids (the order
# an unpatched QEMU walks the QOM tree in) differs from command-line order:
# QEMU 11.1.1 without the patch fails this test.
#
# Why it lives here, outside the QEMU tree, rather than as a qtest in the
# patch: it must run unchanged against any qemu-system-aarch64, including
# an unpatched base, to show that it can fail (and to bisect with); a qtest
# inside the patch would only exist in trees that already have the fix.
# It reads the tables with tests/tools/acpi-dump (qtest accelerator, no
# firmware) and decodes them with iasl (Debian: acpica-tools) on failure.
#
# Environment: QEMU_SYSTEM (default: qemu/build/qemu-system-aarch64).
# Exit: 0 pass, 77 skip (last line says why), else fail.
# test-lib: exclusive (boots the VM under TCG)
set -euo pipefail

. "$(dirname "$0")/../lib/test-lib.sh"
qemu=$QEMU_SYSTEM
if [ ! -x "$qemu" ]; then
    echo "qemu-system-aarch64 not built ($qemu): run make first"
    exit 77
fi

make -s -C "$top" -f tests/tools/tools.mk tools
acpi_dump=$top/build/tools/acpi-dump


# GPU stand-ins and the bus number of their pxb-pcie root bus (bus_nr).
# Each sits behind a root port at 00.0 of that bus, on the root port's
# secondary bus, numbered root bus + 1.
gpus=(gpu0 gpu1)
declare -A root_bus=([gpu0]=16 [gpu1]=32)
declare -A gpu_bus=([gpu0]=17 [gpu1]=33)

# No firmware runs under qtest, so nobody numbers the buses behind the root
# ports and the GPUs would all be on bus 0.  Do what firmware does at every
# boot: program the root ports' bus numbers through virt's high ECAM window
# (checked against the MCFG table below).  The SRAT is built when the
# tables are read, so it sees these numbers.
ecam_base=$((0x4010000000))
firmware_bus_setup=()
for gpu in "${gpus[@]}"; do
    cfg=$((ecam_base + (root_bus[$gpu] << 20)))
    firmware_bus_setup+=(
        --qtest "$(printf 'writeb 0x%x 0x%x' $((cfg + 0x18)) "${root_bus[$gpu]}")"
        --qtest "$(printf 'writeb 0x%x 0x%x' $((cfg + 0x19)) "${gpu_bus[$gpu]}")"
        --qtest "$(printf 'writeb 0x%x 0x%x' $((cfg + 0x1a)) "${gpu_bus[$gpu]}")")
done

# The generic initiators in command-line order, and their NUMA node and
# GPU.  Node 0 has the CPU and the RAM; nodes 1-16 are memory-less, 8 per
# GPU.
gi_ids=()
declare -A gi_node gi_gpu
node=1
for gpu in "${gpus[@]}"; do
    for mig in 0 1 2 3 4 5 6 7; do
        gi_ids+=("$gpu-gi$mig")
        gi_node[$gpu-gi$mig]=$node
        gi_gpu[$gpu-gi$mig]=$gpu
        node=$((node + 1))
    done
done
recreated=gpu0-gi3
gi_ids_after=()
for id in "${gi_ids[@]}"; do
    [ "$id" = "$recreated" ] || gi_ids_after+=("$id")
done
gi_ids_after+=("$recreated")

# Both VMs: node 0 has the CPU and all the RAM.
# shellcheck disable=SC2054 # commas separate QEMU option values
node0_args=(-m 256M -smp 1
    -object memory-backend-ram,id=mem0,size=256M
    -numa node,nodeid=0,cpus=0,memdev=mem0)
qemu_args=("${node0_args[@]}")
for id in "${gi_ids[@]}"; do
    qemu_args+=(-numa "node,nodeid=${gi_node[$id]}")
done
chassis=1
for gpu in "${gpus[@]}"; do
    qemu_args+=(
        -device "pxb-pcie,id=pxb-$gpu,bus_nr=${root_bus[$gpu]},bus=pcie.0"
        -device "pcie-root-port,id=rp-$gpu,bus=pxb-$gpu,chassis=$chassis,addr=0.0"
        -device "pci-testdev,id=$gpu,bus=rp-$gpu,addr=0.0")
    chassis=$((chassis + 1))
done
for id in "${gi_ids[@]}"; do
    qemu_args+=(-object "acpi-generic-initiator,id=$id,pci-dev=${gi_gpu[$id]},node=${gi_node[$id]}")
done

# The QMP commands run between the boot and the reset round.
object_del='{"execute": "object-del", "arguments": {"id": "'$recreated'"}}'
object_add='{"execute": "object-add", "arguments": {"qom-type": '\
'"acpi-generic-initiator", "id": "'$recreated'", "pci-dev": "'\
${gi_gpu[$recreated]}'", "node": '${gi_node[$recreated]}'}}'

# Expected GI entries of the given GI ids, in that order, one line each.
expected_gi_entries() {
    local id
    for id in "$@"; do
        printf 'gi domain=%u segment=0000 bdf=%02x:00.0 flags=1\n' \
            "${gi_node[$id]}" "${gpu_bus[${gi_gpu[$id]}]}"
    done
}

# The patch orders acpi-generic-port objects the same way.  They need CXL
# host bridges, so they get a VM of their own: four ports on two pxb-cxl
# bridges (the ACPI UID of a bridge is its bus number), ids again chosen
# so that hash order differs from command-line order.
gp_ids=(port-b port-a gp9 gp1)
declare -A gp_node=([port-b]=1 [port-a]=2 [gp9]=3 [gp1]=4)
declare -A gp_bridge=([port-b]=cxl1 [port-a]=cxl2 [gp9]=cxl1 [gp1]=cxl2)
declare -A cxl_bus=([cxl1]=12 [cxl2]=40)
gp_qemu_args=("${node0_args[@]}")
for id in "${gp_ids[@]}"; do
    gp_qemu_args+=(-numa "node,nodeid=${gp_node[$id]}")
done
for bridge in cxl1 cxl2; do
    gp_qemu_args+=(-device "pxb-cxl,id=$bridge,bus_nr=${cxl_bus[$bridge]},bus=pcie.0")
done
for id in "${gp_ids[@]}"; do
    gp_qemu_args+=(-object "acpi-generic-port,id=$id,pci-bus=${gp_bridge[$id]},node=${gp_node[$id]}")
done

expected_gp_entries() {
    local id
    for id in "${gp_ids[@]}"; do
        printf 'gp domain=%u uid=%u flags=1\n' \
            "${gp_node[$id]}" "${cxl_bus[${gp_bridge[$id]}]}"
    done
}

# The little-endian number of $2 bytes at offset $1 of the caller's byte
# array b.
le() {
    local i v=0
    for ((i = $2 - 1; i >= 0; i--)); do
        v=$((v << 8 | b[$1 + i]))
    done
    echo "$v"
}

# Generic initiator and generic port affinity structures (SRAT subtable
# types 5 and 6, ACPI 6.5 5.2.16.6 and 5.2.16.7) of a binary SRAT, one
# line each, in table order.  The SRAT header is the 36-byte table header
# plus 12 reserved bytes.
srat_affinity_entries() {
    local -a b
    mapfile -t b < <(od -An -v -tu1 -w1 "$1" | tr -d ' ')
    local off=48 type len
    while [ "$off" -lt "${#b[@]}" ]; do
        type=${b[$off]} len=${b[$((off + 1))]}
        if [ "$len" -lt 2 ]; then
            echo "SRAT: bad subtable length $len at offset $off" >&2
            return 1
        fi
        if [ "$type" -eq 5 ] && [ "${b[$((off + 3))]}" -ne 1 ]; then
            echo "gi device-handle-type=${b[$((off + 3))]} (not PCI)"
        elif [ "$type" -eq 5 ]; then
            printf 'gi domain=%u segment=%04x bdf=%02x:%02x.%x flags=%u\n' \
                "$(le $((off + 4)) 4)" "$(le $((off + 8)) 2)" \
                "${b[$((off + 10))]}" $((b[off + 11] >> 3)) $((b[off + 11] & 7)) \
                "$(le $((off + 24)) 4)"
        elif [ "$type" -eq 6 ]; then
            printf 'gp domain=%u uid=%u flags=%u\n' "$(le $((off + 4)) 4)" \
                "$(le $((off + 16)) 4)" "$(le $((off + 24)) 4)"
        fi
        off=$((off + len))
    done
}

# The table as a person reads it, for the failure report.
show_srat() {
    echo "--- ${1#"$work"/} decoded by iasl:"
    if ! command -v iasl >/dev/null; then
        echo "(iasl not installed: Debian package acpica-tools; hex dump instead)"
        od -Ax -tx1 "$1"
        return
    fi
    local d
    d=$(mktemp -d -p "$work")
    cp "$1" "$d/SRAT.dat"
    (cd "$d" && iasl -d SRAT.dat >/dev/null 2>&1) || true
    if [ -s "$d/SRAT.dsl" ]; then
        cat "$d/SRAT.dsl"
    else
        echo "(iasl could not decode it; hex dump instead)"
        od -Ax -tx1 "$1"
    fi
}

# Expected and actual entry by entry, differing rows marked.
side_by_side() {
    local -a want_rows got_rows
    mapfile -t want_rows <<<"$1"
    mapfile -t got_rows <<<"$2"
    local i n=$((${#want_rows[@]} > ${#got_rows[@]} ? ${#want_rows[@]} : ${#got_rows[@]}))
    printf '%3s  %-48s %s\n' "#" "expected (creation order)" "SRAT"
    for ((i = 0; i < n; i++)); do
        printf '%3d  %-48s %s%s\n' $((i + 1)) "${want_rows[$i]:--}" "${got_rows[$i]:--}" \
            "$([ "${want_rows[$i]:-}" = "${got_rows[$i]:-}" ] || echo "   <--")"
    done
}

failed=0
check_round() { # $1 label, $2 SRAT file, $3 expected entries
    local label=$1 srat=$2 want=$3 got
    if [ ! -f "$srat" ]; then
        echo "FAIL $label: no SRAT was read"
        failed=1
        return
    fi
    got=$(srat_affinity_entries "$srat")
    if [ "$got" = "$want" ]; then
        echo "ok $label: $(echo "$got" | wc -l) entries in creation order"
        return
    fi
    failed=1
    echo "FAIL $label: entries not in creation order"
    side_by_side "$want" "$got"
    show_srat "$srat"
}

# The ECAM base of the MCFG table, so that a change of virt's memory map
# fails with a message rather than with GPUs on bus 0.
mcfg_base() {
    local -a b
    mapfile -t b < <(od -An -v -tu1 -w1 -j44 -N8 "$1" | tr -d ' ')
    le 0 8
}

dump_tables() { # $1 output dir, then acpi-dump options
    local out=$1
    shift
    if ! "$acpi_dump" --qemu "$qemu" -o "$out" "$@" >"$out.log"; then
        cat "$out.log"
        echo "FAIL: could not read the ACPI tables (acpi-dump's message above)"
        exit 1
    fi
}

echo "QEMU: $qemu"
dump_tables "$work/tables" --resets 1 "${firmware_bus_setup[@]}" \
    --qmp "$object_del" --qmp "$object_add" -- "${qemu_args[@]}"
dump_tables "$work/gp-tables" --machine virt,cxl=on -- "${gp_qemu_args[@]}"

if [ "$(mcfg_base "$work/tables/MCFG.dat")" -ne "$ecam_base" ]; then
    printf 'FAIL: MCFG ECAM base is 0x%x, the test programs bridges at 0x%x\n' \
        "$(mcfg_base "$work/tables/MCFG.dat")" "$ecam_base"
    exit 1
fi

check_round "generic initiators at boot" "$work/tables/SRAT.dat" \
    "$(expected_gi_entries "${gi_ids[@]}")"
check_round "generic initiators after object-del + object-add $recreated, system_reset" \
    "$work/tables/reset-1/SRAT.dat" "$(expected_gi_entries "${gi_ids_after[@]}")"
check_round "generic ports" "$work/gp-tables/SRAT.dat" "$(expected_gp_entries)"
exit "$failed"
