#!/usr/bin/env bash
# EGM GPU devices in the DSDT stay valid and stable across table rebuilds
# (issue 5; table row 338211ae1e03 "NVIDIA: SAUCE: Reset gpu_id each time
# building DSDT", patches/0201-*; the EGM feature it fixes is
# patches/0150-* to 0152-*).
#
# Each case has GPU stand-ins (pci-testdev, no vfio) on pcie.0 and behind
# root ports of pxb-pcie buses, each named by an acpi-egm-memory object
# whose NUMA node has memory of its own size (some GPUs share a node, as
# the GPUs of one Grace socket do).  The tables are read over fw_cfg at
# boot and again after each of $resets system_resets: virt rebuilds them
# whenever the file is read after a reset, firmware or not.  Every read
# must have exactly the expected GPU devices: named GPU0, GPU1, ... in
# PCI order (root bus number, then devfns from the root bus down), at
# \_SB.PCI0.GPUn or \_SB.PCxx.Syy.GPUn (yy the root port's devfn), with
# _ADR = slot/function and a _DSD whose nvidia,egm-base-pa,
# nvidia,egm-size and nvidia,egm-pxm are the node's RAM range and
# proximity domain, computed here from the memory layout (nodes back to
# back from virt's RAM base) and checked against the SRAT's memory
# affinity entry for the node.  The DSDT is decoded with iasl.
#
# The cases with 12 and 260 GPUs check the names past GPU9 (GP0A.., then
# G100..): iasl must recompile the decoded DSDT, which it refuses for a
# name that is invalid or used twice in a scope.
#
# With the vendor's defect (a GPU counter that is never reset) the names
# move on at every rebuild and the AML builder asserts once one reaches
# "GPU10": 2 GPUs at the 6th build (reset 4), 4 GPUs at the 3rd (reset 1),
# 12 at the first, before anything can be read.  When QEMU dies, the
# test reads the boot tables alone once more to show the names the guest
# got.  Like tests/qemu/gi-order.sh it lives outside the QEMU tree so that
# it runs unchanged against builds with and without the fix.
#
# Environment: QEMU_SYSTEM (default: qemu/build/qemu-system-aarch64),
# EGM_RESETS (default 5).
# Exit: 0 pass, 77 skip (last line says why), else fail.
# test-lib: exclusive (boots the VM under TCG, several resets)
set -euo pipefail

. "$(dirname "$0")/../lib/test-lib.sh"
qemu=$QEMU_SYSTEM
resets=${EGM_RESETS:-5}

require_qemu
command -v iasl >/dev/null ||
    skip "iasl not installed (Debian package acpica-tools): cannot decode the DSDT"
grep -qx '  acpi-egm-memory' <<<"$("$qemu" -object help)" ||
    skip "this qemu-system-aarch64 has no acpi-egm-memory object (patches/0150-* not applied)"

make -s -C "$top" -f tests/tools/tools.mk tools
acpi_dump=$top/build/tools/acpi-dump


# virt's memory map: RAM starts at 1 GiB (VIRT_MEM).
ram_base=$((0x40000000))

# The ACPI name of EGM GPU number $1, as documented for the object in
# qemu-options.hx: GPU0..GPU9, GP0A..GPFF, then a letter for the top hex
# digit and three hex digits (G100..GFFF, H000..).
gpu_name() {
    local n=$1 lead=GHIJKMNOQTUVWXYZ
    if ((n < 10)); then
        printf 'GPU%d' "$n"
    elif ((n < 0x100)); then
        printf 'GP%02X' "$n"
    else
        printf '%s%03X' "${lead:$((n >> 12)):1}" $((n & 0xfff))
    fi
}

# A case is described by these, set before each run_case:
#   node_mib[N]  memory of NUMA node N in MiB (0: memory-less)
#   gpus         "ID BUS PORT SLOT FN NODE" lines: BUS 0 is pcie.0 (PORT
#                "-", the GPU at SLOT.FN on it); else the bus_nr of a
#                pxb-pcie, PORT the slot of a root port on it, the GPU at
#                SLOT.FN behind the port (pxb-pcie only takes bridges).
declare -a node_mib
gpus=

gpu_lines() { grep -v '^[[:space:]]*$' <<<"$gpus"; }

qemu_args() {
    local total=0 n id bus port slot fn node chassis=1 pxb_slot=31
    local -A seen=()
    for n in "${!node_mib[@]}"; do
        total=$((total + node_mib[n]))
    done
    printf '%s\n' -m "${total}M" -smp 1
    for n in "${!node_mib[@]}"; do
        local cpus=
        [ "$n" -eq 0 ] && cpus=,cpus=0
        if [ "${node_mib[$n]}" -gt 0 ]; then
            printf '%s\n' -object "memory-backend-ram,id=mem$n,size=${node_mib[$n]}M" \
                -numa "node,nodeid=$n$cpus,memdev=mem$n"
        else
            printf '%s\n' -numa "node,nodeid=$n$cpus"
        fi
    done
    while read -r id bus port slot fn node; do
        local busname=pcie.0 mf=
        if [ "$bus" -ne 0 ]; then
            # pxb-pcie devices from the top slot of pcie.0 down, clear of
            # the GPUs there
            if [ -z "${seen[pxb$bus]:-}" ]; then
                seen[pxb$bus]=1
                printf '%s\n' -device "$(printf 'pxb-pcie,id=pxb%d,bus_nr=%d,bus=pcie.0,addr=0x%x.0' \
                    "$bus" "$bus" "$pxb_slot")"
                pxb_slot=$((pxb_slot - 1))
            fi
            busname=rp$bus-$port
            if [ -z "${seen[$busname]:-}" ]; then
                seen[$busname]=1
                printf '%s\n' -device "$(printf 'pcie-root-port,id=%s,bus=pxb%d,chassis=%d,addr=0x%x.0' \
                    "$busname" "$bus" "$chassis" "$port")"
                chassis=$((chassis + 1))
            fi
        fi
        [ "$fn" -eq 0 ] && mf=,multifunction=on
        printf '%s\n' -device "$(printf 'pci-testdev,id=%s,bus=%s,addr=0x%x.%d%s' \
            "$id" "$busname" "$slot" "$fn" "$mf")"
    done < <(gpu_lines)
    # The objects in reverse order: numbering must not depend on it.
    while read -r id bus port slot fn node; do
        printf '%s\n' -object "acpi-egm-memory,id=egm-$id,pci-dev=$id,node=$node"
    done < <(gpu_lines | tac)
}

node_base() {
    local n=$1 base=$ram_base i
    for ((i = 0; i < n; i++)); do
        base=$((base + ${node_mib[$i]} * 1024 * 1024))
    done
    echo "$base"
}

# Expected GPU devices, one line each, in PCI order:
#   PATH adr=A base=B size=S pxm=P
# PATH is \_SB.PCI0.NAME on pcie.0, \_SB.PCxx.Syy.NAME behind the root
# port at devfn yy of a pxb-pcie.
expected_gpus() {
    local i=0 id bus port slot fn node path
    while read -r bus port slot fn id node; do
        if [ "$bus" -eq 0 ]; then
            path='\_SB.PCI0'
        else
            path=$(printf '\\_SB.PC%02X.S%02X' "$bus" $((port << 3)))
        fi
        printf '%s.%s adr=0x%x base=0x%x size=0x%x pxm=%d\n' "$path" \
            "$(gpu_name "$i")" $(((slot << 16) | fn)) "$(node_base "$node")" \
            $((node_mib[node] * 1024 * 1024)) "$node"
        i=$((i + 1))
    done < <(gpu_lines | awk '{ p = $3 == "-" ? 0 : $3; print $2, p, $4, $5, $1, $6 }' |
        sort -n -k1,1 -k2,2 -k3,3 -k4,4)
}

# The EGM GPU devices of a decoded DSDT, in table order, in the format of
# expected_gpus: every Device whose _DSD has the nvidia,egm-* properties,
# with its path from the enclosing Scope. iasl puts every brace on a line
# of its own. (awk computes in decimal: mawk's %x stops at 32 bits.)
dsdt_gpus() {
    local path adr base size pxm
    awk '
    function num(v,    n, i) {
        gsub(/[ ,]/, "", v)
        if (v == "Zero") return 0
        if (v == "One") return 1
        v = tolower(v)
        if (v !~ /^0x/) return v + 0
        n = 0
        for (i = 3; i <= length(v); i++)
            n = n * 16 + index("0123456789abcdef", substr(v, i, 1)) - 1
        return n
    }
    function innermost_device(    d) {
        for (d = depth; d > 0; d--)
            if (kind[d] == "Device") return d
        return 0
    }
    { line = $0; sub(/^ */, "", line) }
    line ~ /^(Scope|Device) \(/ {
        pending = line; sub(/ \(.*/, "", pending)
        pname = line; sub(/^[A-Za-z]* \(/, "", pname); sub(/\).*/, "", pname)
        next
    }
    line ~ /^\{/ {
        depth++
        kind[depth] = pending; name[depth] = pending == "" ? "" : pname
        adr[depth] = -1; pending = ""
        next
    }
    line ~ /^\}/ {
        if (kind[depth] == "Device" && (depth, "nvidia,egm-pxm") in val) {
            path = ""
            for (d = 1; d <= depth; d++)
                if (name[d] != "") path = path (path == "" ? "" : ".") name[d]
            printf "%s %.0f %.0f %.0f %.0f\n", path, adr[depth],
                val[depth, "nvidia,egm-base-pa"], val[depth, "nvidia,egm-size"],
                val[depth, "nvidia,egm-pxm"]
        }
        for (k in val) { split(k, parts, SUBSEP); if (parts[1] == depth) delete val[k] }
        depth--
        next
    }
    { pending = "" }
    line ~ /^Name \(_ADR, / {
        a = line; sub(/^Name \(_ADR, /, "", a); sub(/\).*/, "", a)
        adr[depth] = num(a)
    }
    line ~ /^"nvidia,egm-(base-pa|size|pxm)"/ { key = line; sub(/^"/, "", key); sub(/".*/, "", key); next }
    key != "" { val[innermost_device(), key] = num(line); key = "" }
    ' "$1" | while read -r path adr base size pxm; do
        printf '%s adr=0x%x base=0x%x size=0x%x pxm=%d\n' "$path" "$adr" \
            "$base" "$size" "$pxm"
    done
}

# Memory affinity entries of a binary SRAT (subtable type 1, ACPI 6.5
# 5.2.16.2): "pxm=P base=B size=S" for enabled ones.
srat_memory() {
    local -a b
    mapfile -t b < <(od -An -v -tu1 -w1 "$1" | tr -d ' ')
    local off=48 len i base size
    while [ "$off" -lt "${#b[@]}" ]; do
        len=${b[$((off + 1))]}
        [ "$len" -ge 2 ] || { echo "SRAT: bad subtable length at $off" >&2; return 1; }
        if [ "${b[$off]}" -eq 1 ] && ((b[off + 28] & 1)); then
            base=0 size=0
            for i in 7 6 5 4 3 2 1 0; do
                base=$(((base << 8) | b[off + 8 + i]))
                size=$(((size << 8) | b[off + 16 + i]))
            done
            printf 'pxm=%d base=0x%x size=0x%x\n' \
                $((b[off + 2] | b[off + 3] << 8 | b[off + 4] << 16 | b[off + 5] << 24)) \
                "$base" "$size"
        fi
        off=$((off + len))
    done
}

# "GPU0 GPU1 ..." from expected_gpus/dsdt_gpus lines, the middle elided.
gpu_names() {
    awk '{ n = $1; sub(/.*\./, "", n); names[NR] = n }
    END {
        for (i = 1; i <= NR; i++) {
            if (NR > 14 && i == 7) { printf "... "; i = NR - 6 }
            printf "%s%s", names[i], i < NR ? " " : "\n"
        }
    }'
}

side_by_side() {
    local -a want got
    mapfile -t want <<<"$1"
    mapfile -t got <<<"$2"
    local i n=$((${#want[@]} > ${#got[@]} ? ${#want[@]} : ${#got[@]}))
    printf '     %-62s %s\n' expected DSDT
    for ((i = 0; i < n && i < 40; i++)); do
        printf '%3d  %-62s %s%s\n' $((i + 1)) "${want[$i]:--}" "${got[$i]:--}" \
            "$([ "${want[$i]:-}" = "${got[$i]:-}" ] || echo '   <--')"
    done
    [ "$n" -le 40 ] || echo "     ... ($n lines)"
}


# check_round CASE ROUND DIR: the tables of one read.
check_round() {
    local label="$1 $2" dir=$3 in_pci_order want got srat dsl line pxm base size
    if [ ! -f "$dir/DSDT.dat" ]; then
        not_ok "$label: no DSDT was read"
        return
    fi
    dsl=$work/dsl/$1-${2// /-}
    mkdir -p "$dsl"
    cp "$dir/DSDT.dat" "$dsl/"
    if ! (cd "$dsl" && iasl -d DSDT.dat >iasl.log 2>&1); then
        not_ok "$label: iasl could not decode the DSDT"
        cat "$dsl/iasl.log"
        return
    fi
    # By path: the order of the devices in the table does not matter.
    in_pci_order=$(expected_gpus)
    want=$(LC_ALL=C sort <<<"$in_pci_order")
    got=$(dsdt_gpus "$dsl/DSDT.dsl" | LC_ALL=C sort)
    if [ "$got" != "$want" ]; then
        not_ok "$label: EGM GPU devices differ from the expected ones"
        side_by_side "$want" "$got"
        return
    fi
    # The guest also sees each node's range in the SRAT: same numbers.
    srat=$(srat_memory "$dir/SRAT.dat")
    while read -r line; do
        pxm=${line##*pxm=}
        base=${line#*base=} base=${base%% *}
        size=${line#*size=} size=${size%% *}
        if ! grep -qx "pxm=$pxm base=$base size=$size" <<<"$srat"; then
            not_ok "$label: SRAT has no memory range pxm=$pxm base=$base size=$size"
            echo "$srat"
            return
        fi
    done <<<"$want"
    echo "ok $label: $(wc -l <<<"$got") GPUs: $(gpu_names <<<"$in_pci_order")"
}

# The names must also be valid and unique to the ACPI compiler: recompile.
check_recompiles() {
    local dsl=$work/dsl/$1-boot
    [ -f "$dsl/DSDT.dsl" ] || return 0
    if ! (cd "$dsl" && iasl -p recompiled DSDT.dsl >recompile.log 2>&1); then
        not_ok "$1: iasl does not recompile the decoded DSDT"
        grep -iE 'error|already' "$dsl/recompile.log" | head -20 || :
        return
    fi
    echo "ok $1: decoded DSDT recompiles (names valid and unique)"
}

# read_tables CASE RESETS: read the tables at boot and after RESETS resets
# into $work/CASE-RESETS.
read_tables() {
    local -a args
    mapfile -t args < <(qemu_args)
    "$acpi_dump" --qemu "$qemu" -o "$work/$1-$2" --resets "$2" -- "${args[@]}" \
        >"$work/$1-$2.out" 2>"$work/$1-$2.err"
}

# run_case CASE: read and check every round; fails if QEMU did not last.
run_case() {
    local name=$1 out=$work/$1-$resets k
    echo "== $name: $(gpu_lines | wc -l) GPUs, boot + $resets resets"
    if ! read_tables "$name" "$resets"; then
        not_ok "$name: reading the tables failed:"
        sed 's/^/    /' "$work/$name-$resets.err"
        # What the guest saw before that, from a QEMU that is not reset.
        if [ "$resets" -gt 0 ] && read_tables "$name" 0; then
            check_round "$name" "boot (read alone)" "$work/$name-0"
        fi
        return 1
    fi
    check_round "$name" boot "$out"
    for ((k = 1; k <= resets; k++)); do
        check_round "$name" "reset-$k" "$out/reset-$k"
    done
}

echo "QEMU: $qemu"

# 2 GPUs, each behind a root port of its own pxb-pcie, with its own EGM
# node (as NVIDIA documents a Grace VM); node 1 is memory-less and shifts
# nothing.
node_mib=([0]=256 [1]=0 [2]=64 [3]=128)
gpus='gpu-a 16 0 0 0 2
gpu-b 32 0 0 0 3'
run_case 2gpus || :

# 4 GPUs: two functions of one slot on pcie.0, and two behind two root
# ports of one pxb-pcie sharing a node.
node_mib=([0]=128 [1]=32 [2]=64 [3]=96)
gpus='gpu-a 0 - 3 1 2
gpu-b 0 - 3 0 1
gpu-c 32 2 0 0 3
gpu-d 32 1 0 0 3'
run_case 4gpus || :

# 12 GPUs on pcie.0: names past GPU9.
node_mib=([0]=128 [1]=64 [2]=64)
gpus=$(for i in $(seq 0 11); do echo "g$i 0 - $((2 + i)) 0 $((1 + i % 2))"; done)
resets=1 run_case 12gpus && check_recompiles 12gpus

# 260 GPUs: names past GPFF. 4 on pcie.0, 256 as the 8 functions of the
# devices behind 32 root ports of a pxb-pcie.
node_mib=([0]=128 [1]=64)
gpus=$(for i in 0 1 2 3; do echo "p$i 0 - $((2 + i)) 0 1"; done
    for p in $(seq 0 31); do for f in $(seq 0 7); do echo "x$p-$f 64 $p 0 $f 1"; done; done)
resets=1 run_case 260gpus && check_recompiles 260gpus

test_done
