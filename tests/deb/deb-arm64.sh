#!/usr/bin/env bash
# The Grace host's package (make deb ARCH=arm64): its control fields and
# files, and its programs run from the unpacked package under qemu-user
# (natively on an arm64 machine): the binary says the build's --version,
# lists kvm and passes scripts/verify-qemu.sh; its qfork is an arm64
# program that runs the packaged QEMU by default.  And build-deb.sh
# refuses, with a clear message and no package, a qfork of another
# architecture.
set -uo pipefail
. "$(dirname "$0")/lib/deb.bash"
need_deb arm64

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = grace-qemu ] && [ "$(field Architecture)" = arm64 ] &&
    [ "$(field Version)" = "$version" ] && ok "grace-qemu $version arm64" ||
    not_ok "control: $(field Package) $(field Version) $(field Architecture)"
depends=$(field Depends)
for lib in libc6 libglib2.0-0 libpixman-1-0 libfdt1 zlib1g libgit2-1.5; do
    grep -Eq "(^|, )$lib( \(>= [^)]*\))?(,|$)" <<<"$depends" || not_ok "Depends lacks $lib: $depends"
done
[ "$test_failures" -eq 0 ] && ok "Depends (dpkg-shlibdeps, arm64 libraries): $depends"
[ "$(field Recommends)" = "qemu-efi-aarch64, ipxe-qemu" ] && ok "Recommends: $(field Recommends)" ||
    not_ok "Recommends: $(field Recommends)"

paths=$(deb_paths "$deb")
for p in /usr/lib/grace-qemu/bin/qemu-system-aarch64 /usr/bin/grace-qemu-system-aarch64 \
         /usr/bin/qfork /usr/lib/grace-qemu/share/qemu-firmware \
         /usr/share/doc/grace-qemu/copyright /usr/share/doc/grace-qemu/changelog.gz \
         /usr/share/man/man1/grace-qemu-system-aarch64.1.gz /usr/share/man/man1/qfork.1.gz; do
    grep -qx "$p" <<<"$paths" || not_ok "no $p in the package"
done
[ "$test_failures" -eq 0 ] && ok "$(wc -l <<<"$paths") paths, the binary in /usr/lib/grace-qemu"

dpkg-deb -x "$deb" "$work/root"
qemu=$work/root/usr/lib/grace-qemu/bin/qemu-system-aarch64
[ "$(elf_deb_arch "$qemu")" = arm64 ] && [ "$(elf_deb_arch "$work/root/usr/bin/qfork")" = arm64 ] &&
    ok "qemu-system-aarch64 and qfork are arm64 programs" || not_ok "not arm64 programs"
[ "$(readlink "$work/root/usr/bin/grace-qemu-system-aarch64")" = ../lib/grace-qemu/bin/qemu-system-aarch64 ] &&
    ok "grace-qemu-system-aarch64 -> ../lib/grace-qemu/bin/qemu-system-aarch64" || not_ok "the command link"

runner=$(binary_runner "$qemu") || exit 1
mapfile -t run <<<"$runner"
got=$("${run[@]}" --version | head -n 1)
build=$(GRACE_ARCH=arm64 grace_build_dir "$top/qemu")
mapfile -t brun < <(binary_runner "$build/qemu-system-aarch64")
want=$("${brun[@]}" --version | head -n 1)
[ -n "$got" ] && [ "$got" = "$want" ] && ok "packaged binary (${run[0]##*/}): $got" ||
    not_ok "packaged --version '$got', the build's '$want'"
grep -qx kvm <<<"$("${run[@]}" -accel help)" && ok "-accel help lists kvm" || not_ok "-accel help has no kvm"
out=$(QEMU_CONFIG_DEVICES=$work/root/usr/share/doc/grace-qemu/aarch64-softmmu-config-devices.mak \
      "$top/scripts/verify-qemu.sh" "$qemu" 2>&1); rc=$?
[ "$rc" -eq 0 ] && ok "verify-qemu.sh on the packaged binary: $(tail -n 1 <<<"$out")" ||
    { not_ok "verify-qemu.sh (exit $rc)"; echo "$out"; }

mapfile -t qrun < <(binary_runner "$work/root/usr/bin/qfork")
help=$("${qrun[@]}" help vm 2>&1)
grep -q '/usr/lib/grace-qemu/bin/qemu-system-aarch64' <<<"$help" &&
    ok "qfork (arm64) runs; vm's default QEMU is the packaged one" || { not_ok "qfork help vm:"; echo "$help"; }

# A qfork of the wrong architecture: refused, nothing written.
out=$(GRACE_ARCH=arm64 "$top/scripts/build-deb.sh" "$top/build/qfork" "$work/out" 2>&1); rc=$?
[ "$rc" -ne 0 ] && grep -q "is not an arm64 program" <<<"$out" && [ ! -e "$work/out" ] &&
    ok "build-deb.sh refuses an amd64 qfork for arm64: $(grep error: <<<"$out")" ||
    { not_ok "build-deb.sh with a wrong-architecture qfork (exit $rc)"; echo "$out"; }
test_done
