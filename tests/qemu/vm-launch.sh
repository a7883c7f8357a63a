#!/usr/bin/env bash
# The VM `qfork vm` generates, launched for real under TCG (issue 8).
#
# For the 1-GPU, 4-GPU and shared-SMMU fixture hosts, the GH200 and the
# GB200 tray (without and with EGM), `qfork vm --emulate`
# gives the generated topology with pci-testdev standing in for each GPU
# (no vfio here, so no iommufd and arm-smmuv3 accel=off):
#   1. QEMU starts it under TCG (-S) and quits: every option and property
#      of the topology is accepted and every device realized;
#   2. the same command line runs with a qtest socket; the root ports get
#      their bus numbers as firmware would give them (ECAM writes over
#      qtest), then tests/tools/acpi-dump reads the ACPI tables and
#      - IORT: one SMMUv3 node per SMMU, and the root complex maps each
#        pxb-pcie's request IDs (its bus and its root ports' buses) to its
#        own SMMUv3 node;
#      - SRAT: the GI affinity structures in command-line order, each with
#        the GPU memory node and the BDF of its GPU stand-in;
#      - SLIT: the host's distances as the description maps them (gh200,
#        gb200: the fixtures with node*/distance).
# The generated options (ras=on, -numa dist, prealloc=on, rombar=0 on
# the stand-in, pref64-reserve) are all on these command lines.
# acpi-egm-memory objects are kept when this QEMU has that object type
# (the fork's EGM patch), else left out with egm=off (said in the log).
# The GI order needs the fork's SAUCE patch (hw/acpi/pci.c, insertion
# order): an unpatched QEMU 11.1.1 fails the SRAT check.
#
# Environment: QEMU_SYSTEM (default qemu/build/qemu-system-aarch64), QFORK.
# Needs /usr/bin/python3 for the qtest writes and the table checks.
# Exit: 0 pass, 77 skip (last line says why), else fail.
# test-lib: exclusive (starts the VM qfork vm prints, under TCG)
set -euo pipefail

. "$(dirname "$0")/../lib/test-lib.sh"
qemu=$QEMU_SYSTEM
qfork=$QFORK
python=/usr/bin/python3

require_qemu
[ -x "$qfork" ] || { echo "qfork not built ($qfork): run make qfork" >&2; exit 1; }
[ -x "$python" ] || skip "needs $python (Debian: python3) for qtest and the table checks"

. "$top/tests/qemu/lib/vm-tables.bash"
make -s -C "$top" -f tests/tools/tools.mk tools

# The firmware qfork vm names by default, with a variable store of this
# run's own (neither runs here: -S, then qtest).
firmware=/usr/share/AAVMF/AAVMF_CODE.fd
[ -r "$firmware" ] && [ -r "${firmware%CODE.fd}VARS.fd" ] ||
    skip "no UEFI firmware $firmware (Debian: qemu-efi-aarch64)"
cp "${firmware%CODE.fd}VARS.fd" "$work/VARS.fd"
overrides=(--override node.cpus=1 --emulate-memory 256M --vars "$work/VARS.fd")
if grep -qw acpi-egm-memory <<<"$("$qemu" -object help 2>/dev/null)"; then
    echo "this QEMU has acpi-egm-memory: EGM objects kept"
else
    echo "this QEMU has no acpi-egm-memory (the fork's EGM patch): egm=off"
    overrides+=(--override egm=off)
fi

# IORT and SRAT against the VM description; prints what it checked.
check_tables() {   # check_tables TABLE-DIR VM-JSON
    "$python" - "$1" "$2" "$top/tests/qemu/lib" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[3])
from acpi_tables import (iort_nodes, smmuv3_base, srat_entries,
                         slit_matrix, IORT_ROOT_COMPLEX, IORT_SMMUV3)

tables, vm = sys.argv[1], json.load(open(sys.argv[2]))
failed = []

def fail(msg):
    failed.append(msg)
    print("FAIL " + msg)

nodes = iort_nodes(open(tables + "/IORT.dat", "rb").read())
smmu_nodes = {o: n for o, n in nodes.items() if n[0] == IORT_SMMUV3}
rcs = [n for n in nodes.values() if n[0] == IORT_ROOT_COMPLEX]
if len(smmu_nodes) != len(vm["smmus"]):
    fail("IORT has %d SMMUv3 nodes, the VM %d SMMUs"
         % (len(smmu_nodes), len(vm["smmus"])))
if len(rcs) != 1:
    fail("IORT has %d root complex nodes, expected 1" % len(rcs))
used = set()
for smmu in vm["smmus"]:
    b, n = smmu["bus-nr"], len(smmu["gpus"])
    want = (b << 8, ((n + 1) << 8) - 1)
    hits = [m for m in rcs[0][1] if (m[0], m[1]) == want] if rcs else []
    if len(hits) != 1 or hits[0][3] not in smmu_nodes:
        fail("%s (%s, buses %d-%d): no root complex mapping of RIDs "
             "0x%04x+0x%x to an SMMUv3 node" % (smmu["id"], smmu["bus"], b,
                                                b + n, want[0], want[1] + 1))
        continue
    ref = hits[0][3]
    if ref in used:
        fail("%s shares its SMMUv3 node with another root complex"
             % smmu["id"])
    used.add(ref)
    base = smmuv3_base(smmu_nodes[ref][2])
    print("ok IORT: %s RIDs 0x%04x-0x%04x -> SMMUv3 node at 0x%x (base 0x%x)"
          % (smmu["bus"], want[0], want[0] + want[1], ref, base))

got = srat_entries(open(tables + "/SRAT.dat", "rb").read())[1]
want = []
for smmu in vm["smmus"]:
    for p, gpu in enumerate(smmu["gpus"]):
        for node in gpu["memory-nodes"]:
            want.append((node, 1, 0, smmu["bus-nr"] + 1 + p, 0, 0))
fmt = lambda e: "node %d handle-type %d %04x:%02x:%02x.%d" % e
if got == want:
    print("ok SRAT: %d GI entries in command-line order" % len(got))
else:
    fail("SRAT GI entries differ from the command line")
    for i in range(max(len(got), len(want))):
        w = fmt(want[i]) if i < len(want) else "-"
        g = fmt(got[i]) if i < len(got) else "-"
        print("  %-3d want %-36s got %s%s" % (i, w, g, "" if w == g else "  <--"))

# SLIT: the distances of the description, as the guest reads them.
if "distances" in vm:
    want = vm["distances"]
    try:
        slit = open(tables + "/SLIT.dat", "rb").read()
    except OSError:
        slit = None
    if slit is None:
        fail("the VM has distances but no SLIT")
    else:
        got = slit_matrix(slit)
        if got == want:
            print("ok SLIT: %dx%d distances as described"
                  % (len(got), len(got)))
        else:
            fail("SLIT differs from the description's distances")
sys.exit(1 if failed else 0)
PY
}

failed=0
echo "QEMU: $qemu"
for host in grace-1gpu grace-2gpu-shared grace-4gpu gh200 gb200 gb200-egm-rfc; do
    echo "== $host"
    json=$work/$host.json
    printed=$("$qfork" vm --sysroot "$top/tests/fixtures/sysfs/$host" \
        --emulate "${overrides[@]}" --qemu "$qemu" --json-out "$json" --print)
    eval "args=($printed)"

    # 1. TCG: the whole topology is accepted and realized.
    if out=$(echo quit | timeout 120 "${args[@]}" -S -display none -nodefaults \
            -monitor stdio 2>&1); then
        echo "ok TCG: QEMU started the generated topology"
    else
        echo "FAIL TCG: QEMU refused the generated topology:"
        printf '%s\n' "$out" | grep -v '^(qemu)' | tail -n 20
        failed=1
        continue
    fi

    # 2. The same command line with a qtest socket instead of TCG.
    if ! vm_read_tables "$json" "$work/tables-$host" "${args[@]}"; then
        echo "FAIL $host: could not read the tables"
        failed=1
    elif ! check_tables "$work/tables-$host" "$json"; then
        failed=1
    fi
done
exit "$failed"
