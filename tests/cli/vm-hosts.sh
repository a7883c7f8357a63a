#!/usr/bin/env bash
# qfork vm and doctor on the Grace hosts that exist (issue 13): EGM in the
# RFC and sys/class/egm layouts, EGM by compute tray, --gpu with a GPU left
# on the host driver, the MMIO window from the GPU memory, and what the
# references add (distances, hugepages, vfio-pci-nohotplug, rombar=0,
# ras=on, the SMMU options).  Each defect is checked on its own, so that
# a run against an older qfork shows every one that it has.
. "$(dirname "$0")/lib/common.sh"

sysfs=$top/tests/fixtures/sysfs
Q=(--qemu qemu-system-aarch64)
failed=()
check() {   # check NAME COMMAND...: run one check, go on when it fails
    local name=$1
    shift
    if ("$@"); then :; else failed+=("$name"); fi
}

defect1_egm_rfc() {
    run_qfork 0 vm --sysroot "$sysfs/gb200-egm-rfc" "${Q[@]}"
    expect_in "memory-backend-file,id=mem0,size=400G,mem-path=/dev/egm4,share=on,prealloc=on"
    expect_in "memory-backend-file,id=mem1,size=400G,mem-path=/dev/egm5,share=on,prealloc=on"
    expect_eq "$(grep -c 'acpi-egm-memory' <<<"$out")" 4 "one acpi-egm-memory per GPU"
    run_qfork 0 vm --sysroot "$sysfs/gb200-egm-rfc" --override egm=off "${Q[@]}"
    expect_not_in "acpi-egm-memory" "egm=off gets a VM"
    # two regions on one socket: vm leaves EGM out saying why, doctor fails
    cp -a "$sysfs/gb200-egm-rfc" "$work/conflict"
    local d
    d=$(readlink -f "$work/conflict/sys/bus/pci/devices/0009:01:00.0")
    mkdir -p "$d/nvgrace_gpu_vfio_pci.egm.6/egm/egm6"
    echo 0x1000000000 >"$d/nvgrace_gpu_vfio_pci.egm.6/egm/egm6/egm_size"
    run_qfork 0 vm --sysroot "$work/conflict" "${Q[@]}"
    expect_in "warning: EGM left out: GPUs 0008:01:00.0 and 0009:01:00.0 on host node 0 use different EGM regions (4 and 6)"
    run_qfork 1 doctor --sysroot "$work/conflict"
    expect_in "FAIL  egm: GPUs 0008:01:00.0 and 0009:01:00.0 on host node 0 use different EGM regions"
}

defect2_egm_class() {
    run_qfork 0 vm --sysroot "$sysfs/gb200-egm-class" "${Q[@]}"
    expect_in "mem-path=/dev/egm4"
    expect_eq "$(grep -c 'acpi-egm-memory' <<<"$out")" 4 "one acpi-egm-memory per GPU"
}

defect3_egm_tray() {
    run_qfork 0 vm --sysroot "$sysfs/gb200-egm-rfc" --gpu 0008:01:00.0 "${Q[@]}"
    expect_not_in "/dev/egm4" "one GPU of a tray gets no EGM"
    expect_not_in "acpi-egm-memory" "nor acpi-egm-memory"
    expect_in "warning: EGM left out: EGM is per compute tray: all 4 GPUs that use it go into one VM, and this one lacks 0009:01:00.0, 0018:01:00.0, 0019:01:00.0"
}

defect4_host_gpu() {
    run_qfork 0 vm --sysroot "$sysfs/gb200-hostgpu" --gpu 0008:01:00.0 "${Q[@]}"
    expect_in "vfio-pci-nohotplug,id=gpu0,host=0008:01:00.0"
    run_qfork 0 doctor --sysroot "$sysfs/gb200-hostgpu"
    expect_in "warn  gpu 0019:01:00.0: left on the host driver nvidia: its memory (186G) is onlined as host node 26"
}

defect5_mmio() {
    run_qfork 0 vm --sysroot "$sysfs/gh200" --json-out "$work/gh200.json" --print "${Q[@]}"
    expect_in "highmem-mmio-size=1T"
    expect_in "pref64-reserve=512G"
    grep -q '"highmem-mmio-size-from": "1 GPU(s) x 512G (GPU memory not shown while on vfio, 64-bit BARs 160M, the 512G floor) + 1G' \
        "$work/gh200.json" || fail "the JSON does not say where 1T came from"
    ok "the JSON says where the window size came from"
}

references() {
    run_qfork 0 vm --sysroot "$sysfs/gb200" "${Q[@]}"
    expect_in "-machine virt,accel=kvm,gic-version=3,ras=on,highmem-mmio-size=4T"
    expect_in "memory-backend-file,id=mem1,size=16G,mem-path=/dev/hugepages,prealloc=on"
    expect_in "arm-smmuv3,id=smmuv3.3,primary-bus=pcie.4,accel=on,ats=on,ril=off,ssidsize=20,oas=48,cmdqv=on"
    expect_in "vfio-pci-nohotplug,id=gpu3,host=0019:01:00.0,bus=rp3,iommufd=iommufd0,rombar=0"
    expect_eq "$(grep -c -- '-numa dist,' <<<"$out")" 561 "every pair of 34 nodes has a distance"
    expect_in "-numa dist,src=0,dst=18,val=120"
    run_qfork 0 doctor --sysroot "$sysfs/gb200"
    expect_in "ok    hugepages node 1: 32 free 512M pages on /dev/hugepages"
}

check "defect 1: EGM in the RFC layout" defect1_egm_rfc
check "defect 2: EGM in the sys/class/egm layout" defect2_egm_class
check "defect 3: EGM for a part of a tray" defect3_egm_tray
check "defect 4: --gpu with a GPU left on the host" defect4_host_gpu
check "defect 5: the MMIO window" defect5_mmio
check "the references' options" references
for f in "${failed[@]+"${failed[@]}"}"; do echo "FAILED: $f"; done
[ ${#failed[@]} -eq 0 ] || exit 1
echo "all checks passed"
