#!/usr/bin/env bash
# acpi-egm-memory refuses bad input with one message naming the object
# (issue 5; patches/0150-hw-acpi-add-the-acpi-egm-memory-object-*.patch).
#
# Each bad command line must make QEMU exit with status 1 (not a crash)
# and print the expected message; each bad object-add at run time must get
# a QMP error with the message while the VM keeps running. GPU stand-ins
# are pci-testdev devices; no vfio, no firmware (qtest accelerator).
#
# Environment: QEMU_SYSTEM (default: qemu/build/qemu-system-aarch64).
# Exit: 0 pass, 77 skip (last line says why), else fail.
set -euo pipefail

. "$(dirname "$0")/../lib/test-lib.sh"
qemu=$QEMU_SYSTEM

require_qemu
grep -qx '  acpi-egm-memory' <<<"$("$qemu" -object help)" ||
    skip "this qemu-system-aarch64 has no acpi-egm-memory object (patches/0150-* not applied)"


# Node 0: CPU and RAM; node 1: the EGM memory; node 2: memory-less.
# shellcheck disable=SC2054 # commas separate QEMU sub-options
base=(-machine virt -accel qtest -display none -nodefaults -m 192M -smp 1
    -object memory-backend-ram,id=mem0,size=128M
    -object memory-backend-ram,id=mem1,size=64M
    -numa node,nodeid=0,cpus=0,memdev=mem0
    -numa node,nodeid=1,memdev=mem1
    -numa node,nodeid=2
    -device pci-testdev,id=gpu0,bus=pcie.0,addr=0x3.0
    -device pci-testdev,id=gpu1,bus=pcie.0,addr=0x4.0
    -device pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x5.0
    -device pci-testdev,id=gpu2,bus=rp0,addr=0.0)

failed=0

# refuse NAME MESSAGE ARGS...: QEMU started with the base command line and
# ARGS must exit 1 with MESSAGE on stderr.
refuse() {
    local name=$1 msg=$2 rc=0
    shift 2
    # A QEMU that takes the bad object quits at once rather than hanging.
    printf '%s\n' '{"execute": "qmp_capabilities"}' '{"execute": "quit"}' |
        timeout 60 "$qemu" "${base[@]}" "$@" -qmp stdio \
            >"$work/out" 2>"$work/err" || rc=$?
    if [ "$rc" -eq 1 ] && grep -qF -- "$msg" "$work/err"; then
        echo "ok $name: $(head -n 1 "$work/err")"
        return
    fi
    failed=1
    echo "FAIL $name: want exit 1 and '$msg', got exit $rc:"
    sed 's/^/    /' "$work/err"
}

egm() { echo "acpi-egm-memory,id=$1,pci-dev=$2,node=$3"; }

refuse "pci-dev does not exist" \
    "acpi-egm-memory 'egm0': pci-dev 'nosuch' does not exist" \
    -object "$(egm egm0 nosuch 1)"
refuse "pci-dev is not a PCI device" \
    "acpi-egm-memory 'egm0': pci-dev 'mem1' is not a PCI device (it is a memory-backend-ram)" \
    -object "$(egm egm0 mem1 1)"
refuse "pci-dev is a bridge" \
    "acpi-egm-memory 'egm0': pci-dev 'rp0' is a PCI bridge, not a GPU" \
    -object "$(egm egm0 rp0 1)"
refuse "pci-dev behind a bridge on pcie.0" \
    "acpi-egm-memory 'egm0': pci-dev 'gpu2' is on bus 'rp0', behind a PCI bridge" \
    -object "$(egm egm0 gpu2 1)"
refuse "node does not exist" \
    "acpi-egm-memory 'egm0': NUMA node 3 does not exist (the machine has 3 NUMA nodes)" \
    -object "$(egm egm0 gpu0 3)"
refuse "node out of range" \
    "acpi-egm-memory 'egm0': node 128 is out of range (at most 127)" \
    -object "$(egm egm0 gpu0 128)"
refuse "node without memory" \
    "acpi-egm-memory 'egm0': NUMA node 2 has no memory" \
    -object "$(egm egm0 gpu0 2)"
refuse "two objects for one GPU" \
    "acpi-egm-memory 'egm0' and 'egm1' both name GPU '/machine/peripheral/gpu0'" \
    -object "$(egm egm1 gpu0 1)" -object "$(egm egm0 /machine/peripheral/gpu0 1)"
refuse "node missing" "Parameter 'node' is missing" \
    -object acpi-egm-memory,id=egm0,pci-dev=gpu0

# At run time: a bad object-add is refused and the VM goes on; a good one
# is taken; a created object's properties cannot change.
qmp() { echo "{\"execute\": \"$1\", \"arguments\": $2}"; }
{
    echo '{"execute": "qmp_capabilities"}'
    qmp object-add '{"qom-type": "acpi-egm-memory", "id": "egm0", "pci-dev": "gpu0", "node": 1}'
    qmp object-add '{"qom-type": "acpi-egm-memory", "id": "egm1", "pci-dev": "gpu0", "node": 1}'
    qmp object-add '{"qom-type": "acpi-egm-memory", "id": "egm2", "pci-dev": "gpu1", "node": 2}'
    qmp object-add '{"qom-type": "acpi-egm-memory", "id": "egm3", "pci-dev": "gpu1", "node": 1}'
    qmp qom-set '{"path": "/objects/egm3", "property": "node", "value": 0}'
    qmp qom-get '{"path": "/objects/egm3", "property": "pci-dev"}'
    echo '{"execute": "quit"}'
} | timeout 60 "$qemu" "${base[@]}" -qmp stdio >"$work/qmp.out" 2>"$work/qmp.err" || {
    failed=1
    echo "FAIL run time: QEMU exited with status $?:"
    cat "$work/qmp.err"
}
mapfile -t replies < <(grep -E '"(return|error)"' "$work/qmp.out")
expect_reply() { # INDEX DESCRIPTION PATTERN
    if grep -qF -- "$3" <<<"${replies[$1]:-}"; then
        echo "ok run time: $2"
    else
        failed=1
        echo "FAIL run time: $2: want reply with '$3', got: ${replies[$1]:-(none)}"
    fi
}
expect_reply 0 "qmp_capabilities" '"return": {}'
expect_reply 1 "object-add egm0 for gpu0 taken" '"return": {}'
expect_reply 2 "object-add egm1 for gpu0 again refused" \
    "acpi-egm-memory 'egm0' and 'egm1' both name GPU '/machine/peripheral/gpu0'"
expect_reply 3 "object-add for a node without memory refused" \
    "acpi-egm-memory 'egm2': NUMA node 2 has no memory"
expect_reply 4 "object-add egm3 for gpu1 taken" '"return": {}'
expect_reply 5 "qom-set of a created object refused" \
    "acpi-egm-memory 'egm3': property 'node' cannot be changed after creation"
expect_reply 6 "qom-get pci-dev" '"return": "gpu1"'
expect_reply 7 "quit" '"return": {}'

exit "$failed"
