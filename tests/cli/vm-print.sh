#!/usr/bin/env bash
# qfork vm on the fixture hosts: the command line printed for the 1-GPU and
# 4-GPU Grace hosts is exactly the reviewed one in tests/fixtures/vm/, and
# the VM description (JSON) of the 4-GPU host too; --gpu, overrides and
# extra QEMU arguments after "--".
. "$(dirname "$0")/lib/common.sh"

sysfs=$top/tests/fixtures/sysfs
golden=$top/tests/fixtures/vm
Q=(--qemu qemu-system-aarch64)

for host in grace-1gpu grace-4gpu grace-2gpu-shared; do
    run_qfork 0 vm --sysroot "$sysfs/$host" "${Q[@]}"
    if [ "$out" != "$(cat "$golden/$host.cmdline")" ]; then
        diff -u "$golden/$host.cmdline" <(printf '%s\n' "$out") >&2 || true
        fail "$host: command line differs from $golden/$host.cmdline"
    fi
    ok "$host: the command line is the reviewed one"
done

# --print is the default; --json-out alone prints no command line.
run_qfork 0 vm --sysroot "$sysfs/grace-4gpu" --json-out - "${Q[@]}"
[ "$out" = "$(cat "$golden/grace-4gpu.json")" ] ||
    { diff -u "$golden/grace-4gpu.json" <(printf '%s\n' "$out") >&2; fail "4-GPU JSON differs"; }
ok "grace-4gpu: the VM description is the reviewed one"
expect_not_in "qemu-system-aarch64" "--json-out alone prints no command line"

# Each host SMMU: one pxb-pcie, one arm-smmuv3 on it, accel=on.
run_qfork 0 vm --sysroot "$sysfs/grace-4gpu" "${Q[@]}"
expect_eq "$(grep -c 'pxb-pcie' <<<"$out")" 4 "4 root complexes"
expect_eq "$(grep -c 'arm-smmuv3,.*accel=on' <<<"$out")" 4 "4 accelerated SMMUs"
expect_eq "$(grep -c 'acpi-generic-initiator' <<<"$out")" 32 "32 GI objects"
expect_eq "$(grep -c -- '-object iommufd' <<<"$out")" 1 "one iommufd for all"

# --gpu picks GPUs; overrides reach the SMMU properties; "--" passes on.
run_qfork 0 vm --sysroot "$sysfs/grace-4gpu" --gpu 0018:01:00.0 \
    --override smmu.ats=off --override smmu.oas=48 --override node.cpus=2 \
    "${Q[@]}" -- -nographic -kernel /boot/Image
expect_in "arm-smmuv3,id=smmuv3.0,primary-bus=pcie.1,accel=on,ats=off,oas=48"
expect_in "vfio-pci,id=gpu0,host=0018:01:00.0,bus=rp0,iommufd=iommufd0"
expect_not_in "0008:01:00.0" "unselected GPUs are left out"
expect_in "-numa node,nodeid=0,cpus=0-1,memdev=mem0"
expect_in "mem-path=/dev/egm5"
expect_eq "$(tail -n 2 <<<"$out")" "    -nographic \\
    -kernel /boot/Image" "arguments after -- come last"

# $QEMU_SYSTEM names the binary when --qemu does not.
out=$(QEMU_SYSTEM=/opt/grace/qemu "$QFORK" vm --sysroot "$sysfs/grace-1gpu" | head -n 1)
expect_eq "$out" "/opt/grace/qemu \\" "\$QEMU_SYSTEM is the default binary"
echo "$checks checks passed"
