#!/usr/bin/env bash
# qfork vm --run: QEMU is started (replacing qfork) with exactly the
# printed command line; here a stand-in QEMU records its arguments.
. "$(dirname "$0")/lib/common.sh"

sysfs=$top/tests/fixtures/sysfs
fake=$work/fake-qemu
cat >"$fake" <<'FAKE'
#!/usr/bin/env bash
printf '%s\n' "$0" "$@" >"${FAKE_LOG:?}"
echo "fake qemu pid $$"
exit 3
FAKE
chmod +x "$fake"
export FAKE_LOG=$work/argv
# Firmware and its variable store template, as Debian installs them.
mkdir -p "$work/fw"
echo code >"$work/fw/AAVMF_CODE.fd"
echo vars-template >"$work/fw/AAVMF_VARS.fd"
FW=(--firmware "$work/fw/AAVMF_CODE.fd" --vars "$work/vm_VARS.fd")

rc=0
out=$("$QFORK" vm --sysroot "$sysfs/grace-4gpu" --qemu "$fake" "${FW[@]}" --run -- -S 2>&1) || rc=$?
expect_eq "$rc" 3 "qfork's exit status is QEMU's (exec, not fork)"
expect_in "fake qemu pid" "QEMU's output reaches the terminal"

# The recorded argv, shell-joined, equals the printed command line.
out=$("$QFORK" vm --sysroot "$sysfs/grace-4gpu" --qemu "$fake" "${FW[@]}" -- -S 2>/dev/null)
printed=$(printf '%s\n' "$out" | sed -e 's/ \\$//' -e 's/^    //' | tr '\n' ' ')
ran=$(tr '\n' ' ' <"$FAKE_LOG")
expect_eq "$ran" "$printed" "--run runs the printed command line"
expect_in "acpi-egm-memory,id=egm3,pci-dev=gpu3,node=1"

# --run made the VM's variable store from the template, and keeps it.
expect_eq "$(cat "$work/vm_VARS.fd")" vars-template "--run created the variable store"
echo "boot entries" >"$work/vm_VARS.fd"
"$QFORK" vm --sysroot "$sysfs/grace-1gpu" --qemu "$fake" "${FW[@]}" --run >/dev/null 2>&1 || true
expect_eq "$(cat "$work/vm_VARS.fd")" "boot entries" "an existing variable store is never overwritten"

# No firmware, or no template for a new store: a clear error, QEMU not run.
rm -f "$FAKE_LOG"
run_qfork 1 vm --sysroot "$sysfs/grace-1gpu" --qemu "$fake" --firmware "$work/none.fd" --run
expect_in "$work/none.fd: no UEFI firmware there"
run_qfork 1 vm --sysroot "$sysfs/grace-1gpu" --qemu "$fake" --firmware "$work/fw/AAVMF_CODE.fd" \
    --vars "$work/new_VARS.fd" --vars-template "$work/missing.fd" --run
expect_in "variable store template"
[ ! -e "$FAKE_LOG" ] && [ ! -e "$work/new_VARS.fd" ] || fail "QEMU ran or a store was left behind"
ok "nothing run, nothing left behind"
test_done
