#!/usr/bin/env bash
# qfork vm on the fixture hosts: the command line printed for the 1-GPU and
# 4-GPU Grace hosts, the GH200 and the GB200 tray (without and with EGM;
# docs/grace-vm.md quotes them) is exactly the reviewed one in
# tests/fixtures/vm/, and
# the VM description (JSON) of the 4-GPU host too; --gpu, overrides and
# extra QEMU arguments after "--".
. "$(dirname "$0")/lib/common.sh"

sysfs=$top/tests/fixtures/sysfs
golden=$top/tests/fixtures/vm
Q=(--qemu qemu-system-aarch64)

for host in grace-1gpu grace-4gpu grace-2gpu-shared gh200 gb200 gb200-egm-rfc; do
    out=$("$QFORK" vm --sysroot "$sysfs/$host" "${Q[@]}" 2>/dev/null) ||
        fail "qfork vm --sysroot $sysfs/$host failed"
    if [ "$out" != "$(cat "$golden/$host.cmdline")" ]; then
        diff -u "$golden/$host.cmdline" <(printf '%s\n' "$out") >&2 || true
        fail "$host: command line differs from $golden/$host.cmdline"
    fi
    ok "$host: the command line is the reviewed one"
done

# --print is the default; --json-out alone prints no command line.
out=$("$QFORK" vm --sysroot "$sysfs/grace-4gpu" --json-out - "${Q[@]}" 2>/dev/null) ||
    fail "qfork vm --json-out - failed"
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
    --override smmu.ats=off --override smmu.oas=44 --override node.cpus=2 \
    "${Q[@]}" -- -nographic -kernel /boot/Image
expect_in "arm-smmuv3,id=smmuv3.0,primary-bus=pcie.1,accel=on,ats=off,ril=off,ssidsize=20,oas=44,cmdqv=on"
expect_in "vfio-pci-nohotplug,id=gpu0,host=0018:01:00.0,bus=rp0,iommufd=iommufd0,rombar=0"
expect_not_in "host=0008:01:00.0" "unselected GPUs are left out"
expect_in "-numa node,nodeid=0,cpus=0-1,memdev=mem0"
# EGM goes by compute tray: one GPU of four gets RAM (on hugepages), and
# a warning that says why
expect_not_in "mem-path=/dev/egm5" "no EGM for one GPU of a tray"
expect_in "warning: EGM left out: EGM is per compute tray: all 4 GPUs that use it go into one VM, and this one lacks 0008:01:00.0, 0009:01:00.0, 0019:01:00.0"
expect_in "memory-backend-file,id=mem0,size=16G,mem-path=/dev/hugepages,prealloc=on"
expect_eq "$(tail -n 2 <<<"$out")" "    -nographic \\
    -kernel /boot/Image" "arguments after -- come last"

# UEFI: the firmware code read-only, the VM's own variable store, named
# after its JSON file unless --vars says otherwise; a kernel or a disk.
run_qfork 0 vm --sysroot "$sysfs/grace-1gpu" "${Q[@]}"
expect_in "-drive if=pflash,unit=0,format=raw,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd"
expect_in "-drive if=pflash,unit=1,format=raw,file=grace-vm_VARS.fd"
run_qfork 0 vm --from-json "$golden/grace-4gpu.json" --firmware /fw/A,B_CODE.fd \
    --kernel /boot/Image --initrd /boot/initrd.img --append 'console=ttyAMA0 ro' "${Q[@]}"
expect_in "readonly=on,file=/fw/A,,B_CODE.fd" "a comma in a -drive path is doubled"
expect_in "-drive if=pflash,unit=1,format=raw,file=$golden/grace-4gpu_VARS.fd"
expect_in "-kernel /boot/Image"
expect_in "-initrd /boot/initrd.img"
expect_in "-append 'console=ttyAMA0 ro'"
printf 'QFI\373rest' >"$work/disk.img"
run_qfork 0 vm --sysroot "$sysfs/grace-1gpu" --vars "$work/my_VARS.fd" --disk "$work/disk.img" "${Q[@]}"
expect_in "-drive if=pflash,unit=1,format=raw,file=$work/my_VARS.fd"
expect_in "-drive if=none,id=disk0,format=qcow2,file=$work/disk.img"
expect_in "-device virtio-blk-pci,drive=disk0,bus=pcie.0,bootindex=0"
[ ! -e "$work/my_VARS.fd" ] || fail "--print created the variable store"
ok "--print writes no variable store"
run_qfork 1 vm --sysroot "$sysfs/grace-1gpu" --append quiet "${Q[@]}"
expect_in "--initrd and --append need --kernel"

# More than 16 NUMA nodes: Debian's guest kernels see 16.
run_qfork 0 vm --sysroot "$sysfs/grace-4gpu" "${Q[@]}"
expect_in "warning: this VM has 34 NUMA nodes: the guest kernel needs CONFIG_NODES_SHIFT >= 6"
run_qfork 0 vm --sysroot "$sysfs/grace-1gpu" "${Q[@]}"
expect_not_in "NODES_SHIFT" "9 nodes: no warning"

# $QEMU_SYSTEM names the binary when --qemu does not.
out=$(QEMU_SYSTEM=/opt/grace/qemu "$QFORK" vm --sysroot "$sysfs/grace-1gpu" | head -n 1)
expect_eq "$out" "/opt/grace/qemu \\" "\$QEMU_SYSTEM is the default binary"
test_done
