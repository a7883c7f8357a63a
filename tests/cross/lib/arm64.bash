# Helpers for tests/cross/*.sh: the Grace host's binary, an arm64
# qemu-system-aarch64 (make ARCH=arm64: qemu/build-arm64, cross-built on
# x86-64; qemu/build on an arm64 machine), run here.  Sourced.
#
# Sets: top, arm64_build, arm64_qemu (the ELF), arm64_cmd (one command
# that runs it: itself on arm64, else the qemu-user wrapper that
# scripts/build-qemu.sh writes), native_qtests (this machine's qtests).

. "$(dirname "${BASH_SOURCE[0]}")/../../lib/test-lib.sh"
# shellcheck source=scripts/pipeline-lib.sh
. "$top/scripts/pipeline-lib.sh"


arm64_build=$(GRACE_ARCH=arm64 grace_build_dir "$top/qemu")
arm64_qemu=$arm64_build/qemu-system-aarch64
[ -x "$arm64_qemu" ] || skip "no arm64 build ($arm64_qemu): run make ARCH=arm64"
[ "$(elf_deb_arch "$arm64_qemu")" = arm64 ] || {
    echo "FAIL $arm64_qemu is not an arm64 ELF executable"
    exit 1
}
if [ "$(native_arch)" = arm64 ]; then
    arm64_cmd=$arm64_qemu
else
    arm64_cmd=$arm64_build/qemu-system-aarch64-user
    [ -x "$arm64_cmd" ] || {
        echo "FAIL no $arm64_cmd (scripts/build-qemu.sh writes it for a cross build)"
        exit 1
    }
fi
native_qtests=$top/qemu/build/tests/qtest
