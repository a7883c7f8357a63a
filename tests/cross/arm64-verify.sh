#!/usr/bin/env bash
# The Grace host's qemu-system-aarch64 (make ARCH=arm64), run here under
# qemu-user (Debian's qemu-aarch64-static, the arm64 libraries from
# multiarch) unless this machine is arm64: an aarch64 ELF that names the
# fork's version, lists kvm among its accelerators, and passes
# scripts/verify-qemu.sh (every Grace feature, plus kvm) — and a missing
# feature makes that verify fail there too, so it really asks the binary.
set -uo pipefail
. "$(dirname "$0")/lib/arm64.bash"


version=$(grace_version) || skip "not a full git clone: no fork version to compare with"
start=$(date +%s.%N)
got=$("$arm64_cmd" --version | head -n 1)
secs=$(printf '%.2f' "$(echo "$(date +%s.%N) - $start" | bc)")
[[ $got == *"(grace-fork $version "*" series "*")" ]] &&
    ok "--version in ${secs}s: $got" || not_ok "--version: '$got' does not name grace-fork $version"
if [ -x "$top/qemu/build/qemu-system-aarch64" ] && [ "$(native_arch)" != arm64 ]; then
    native=$("$top/qemu/build/qemu-system-aarch64" --version | head -n 1)
    [ "$got" = "$native" ] && ok "same --version as this machine's build" ||
        echo "note: this machine's build says '$native' (built from another commit?)"
fi

accels=$("$arm64_cmd" -accel help 2>&1)
grep -qx kvm <<<"$accels" && grep -qx tcg <<<"$accels" &&
    ok "-accel help lists kvm and tcg" || not_ok "-accel help: $(echo $accels)"

out=$("$top/scripts/verify-qemu.sh" "$arm64_qemu" 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
if [ "$rc" -eq 0 ] && grep -q 'ok      accelerator kvm' <<<"$out" &&
   grep -q 'verify: all [0-9]* Grace features present' <<<"$out"; then
    ok "scripts/verify-qemu.sh passes on it, kvm included"
else
    not_ok "scripts/verify-qemu.sh (exit $rc)"
fi

out=$(VERIFY_EXTRA=device:arm-smmuv3:no-such-property "$top/scripts/verify-qemu.sh" "$arm64_qemu" 2>&1); rc=$?
[ "$rc" -ne 0 ] && grep -q 'MISSING device arm-smmuv3: property no-such-property' <<<"$out" &&
    ok "verify fails, naming it, when a property is missing" ||
    { not_ok "verify with a missing property (exit $rc)"; echo "$out"; }
test_done
