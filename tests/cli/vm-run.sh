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

rc=0
out=$("$QFORK" vm --sysroot "$sysfs/grace-4gpu" --qemu "$fake" --run -- -S 2>&1) || rc=$?
expect_eq "$rc" 3 "qfork's exit status is QEMU's (exec, not fork)"
expect_in "fake qemu pid" "QEMU's output reaches the terminal"

# The recorded argv, shell-joined, equals the printed command line.
run_qfork 0 vm --sysroot "$sysfs/grace-4gpu" --qemu "$fake" -- -S
printed=$(printf '%s\n' "$out" | sed -e 's/ \\$//' -e 's/^    //' | tr '\n' ' ')
ran=$(tr '\n' ' ' <"$FAKE_LOG")
expect_eq "$ran" "$printed" "--run runs the printed command line"
expect_in "acpi-egm-memory,id=egm3,pci-dev=gpu3,node=1"
echo "$checks checks passed"
