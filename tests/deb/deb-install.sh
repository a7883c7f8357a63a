#!/usr/bin/env bash
# This machine's grace-qemu package (make deb) installed for real with
# dpkg -i, its binary run and verified where the package put it, then
# purged: the command (/usr/bin/grace-qemu-system-aarch64, what libvirt's
# <emulator> names) says the same --version as the build; it has every
# Grace feature (scripts/verify-qemu.sh, with the Kconfig result the
# package ships); it finds its option ROMs (Debian's ipxe-qemu, through the
# package's relocated firmware path) when a virt VM with a virtio NIC
# starts; the package's qfork runs the packaged QEMU by default.  Needs
# root; leaves a grace-qemu that was installed before alone.
set -uo pipefail
. "$(dirname "$0")/lib/deb.bash"
arch=$(native_arch)
need_deb "$arch"
[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
if dpkg-query -W -f='${Status}' grace-qemu 2>/dev/null | grep -q installed; then
    skip "grace-qemu is installed on this machine already: not replacing it"
fi
cmd=/usr/bin/grace-qemu-system-aarch64
build_qemu=$top/qemu/build/qemu-system-aarch64
purge() { dpkg --purge grace-qemu >/dev/null 2>&1; rm -rf "$work"; }
test_at_exit purge

if dpkg -i "$deb" >"$work/dpkg.log" 2>&1; then
    ok "dpkg -i ${deb#"$top"/}"
else
    not_ok "dpkg -i failed:"; cat "$work/dpkg.log"; exit 1
fi
[ "$(dpkg-query -W -f='${Version}' grace-qemu)" = "$version" ] &&
    ok "installed version $version" || not_ok "installed version $(dpkg-query -W -f='${Version}' grace-qemu)"

got=$("$cmd" --version | head -n 1)
want=$("$build_qemu" --version | head -n 1)
[ -n "$got" ] && [ "$got" = "$want" ] && [[ $got == *"grace-fork $version "* ]] &&
    ok "$cmd --version: $got" || not_ok "$cmd --version: '$got', the build says '$want'"

out=$(QEMU_CONFIG_DEVICES=/usr/share/doc/grace-qemu/aarch64-softmmu-config-devices.mak \
      "$top/scripts/verify-qemu.sh" "$cmd" 2>&1); rc=$?
[ "$rc" -eq 0 ] && ok "verify-qemu.sh on the installed binary: $(tail -n 1 <<<"$out")" ||
    { not_ok "verify-qemu.sh on $cmd (exit $rc)"; echo "$out"; }

# A VM that needs an option ROM: QEMU loads efi-virtio.rom when the NIC is
# realized and exits at once if it cannot find it.
out=$(echo quit | timeout 60 "$cmd" -M virt -cpu max -nodefaults -display none -S \
      -device virtio-net-pci,romfile=efi-virtio.rom -monitor stdio 2>&1); rc=$?
[ "$rc" -eq 0 ] && ok "a virt VM with virtio-net-pci starts (efi-virtio.rom found)" ||
    { not_ok "virt VM with virtio-net-pci (exit $rc)"; echo "$out"; }

fixture=$top/tests/fixtures/sysfs/grace-1gpu
out=$(env -u QEMU_SYSTEM /usr/bin/qfork vm --sysroot "$fixture" 2>&1); rc=$?
[ "$rc" -eq 0 ] && [ "$(head -n 1 <<<"$out")" = '/usr/lib/grace-qemu/bin/qemu-system-aarch64 \' ] &&
    ok "qfork vm: the packaged QEMU by default" || { not_ok "qfork vm (exit $rc):"; head -n 3 <<<"$out"; }
out=$(/usr/bin/qfork doctor --sysroot "$fixture" 2>&1); rc=$?
[ "$rc" -eq 0 ] && grep -q '^ok    kvm' <<<"$out" && ok "qfork doctor on a Grace host's sysfs (fixture)" ||
    { not_ok "qfork doctor (exit $rc)"; echo "$out"; }

dpkg --purge grace-qemu >"$work/purge.log" 2>&1 || { not_ok "dpkg --purge:"; cat "$work/purge.log"; }
left=$(ls -d /usr/lib/grace-qemu "$cmd" /usr/bin/qfork /usr/share/doc/grace-qemu 2>/dev/null)
[ -z "$left" ] && ok "purged: nothing left" || not_ok "left after purge: $left"
test_done
