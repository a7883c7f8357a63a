#!/usr/bin/env bash
# qfork vm on bad hosts and bad arguments: exit 1, one message naming
# what is wrong, and no command line on stdout.
. "$(dirname "$0")/lib/common.sh"

sysfs=$top/tests/fixtures/sysfs

refuse() {   # refuse MESSAGE ARGS...: exit 1, MESSAGE on stderr, no stdout
    local want=$1 rc=0 err
    shift
    "$QFORK" vm "$@" >"$work/stdout" 2>"$work/stderr" || rc=$?
    err=$(cat "$work/stderr")
    [ "$rc" -eq 1 ] || fail "vm $*: exit $rc, expected 1 ($err)"
    [ ! -s "$work/stdout" ] || fail "vm $*: printed $(head -c 300 "$work/stdout")"
    [ "$(wc -l <"$work/stderr")" -eq 1 ] || fail "vm $*: not one line: $err"
    case $err in
    "qfork vm: "*"$want"*) ok "refused: $want" ;;
    *) fail "vm $*: message '$err' lacks '$want'" ;;
    esac
}

refuse "GPU 0019:01:00.0 is bound to nvidia, not to vfio-pci" --sysroot "$sysfs/broken-unbound"
refuse "no NVIDIA GPU" --sysroot "$sysfs/broken-nogpu"
refuse "inconsistent host data: NUMA: GPU 0009:01:00.0 is on node 9" --sysroot "$sysfs/broken-numa"
refuse "GPU 0001:01:00.0: no NVIDIA GPU with that PCI address" \
    --sysroot "$sysfs/grace-4gpu" --gpu 0001:01:00.0
refuse "is not a directory" --sysroot "$work/nowhere"
refuse "no sys/bus/pci/devices directory" --sysroot "$work"
refuse "override 'smmu.ats=maybe': ats takes on, off or auto" \
    --sysroot "$sysfs/grace-1gpu" --override smmu.ats=maybe
refuse "unknown key 'smmu'" --sysroot "$sysfs/grace-1gpu" --override smmu=on
refuse "oas takes auto, 44 or 48" --sysroot "$sysfs/grace-1gpu" --override smmu.oas=40
refuse "Unknown option --frobnicate" --sysroot "$sysfs/grace-1gpu" --frobnicate
refuse "too many arguments" --sysroot "$sysfs/grace-1gpu" extra

refuse "--emulate-device and --emulate-memory need --emulate" \
    --sysroot "$sysfs/grace-1gpu" --emulate-memory 1G
refuse "--emulate-memory: '1Q' is not a size" \
    --sysroot "$sysfs/grace-1gpu" --emulate --emulate-memory 1Q

# The GPU left on the host driver is fine when not selected; EGM, which
# goes by compute tray, is left out saying why.
run_qfork 0 vm --sysroot "$sysfs/broken-unbound" --gpu 0008:01:00.0 --gpu 0009:01:00.0
expect_not_in "host=0019:01:00.0" "an unselected unbound GPU is not passed through"
expect_in "warning: EGM left out: EGM is per compute tray: all 4 GPUs that use it go into one VM, and this one lacks 0018:01:00.0, 0019:01:00.0 (on the host driver nvidia)"
expect_not_in "/dev/egm" "no EGM for a part of the tray"

# --run with a QEMU that cannot be started: one message, exit 1.
echo code >"$work/AAVMF_CODE.fd"
echo vars >"$work/AAVMF_VARS.fd"
refuse "cannot run $work/no-qemu" --sysroot "$sysfs/grace-1gpu" --run --qemu "$work/no-qemu" \
    --firmware "$work/AAVMF_CODE.fd" --vars "$work/vm_VARS.fd"
test_done
