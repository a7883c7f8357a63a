#!/usr/bin/env bash
# qfork vm --json-out / --from-json: the description round-trips to the
# same command line, edits and overrides take effect, and a bad
# description gets one message naming file, line and member, no command
# line and no output file.
. "$(dirname "$0")/lib/common.sh"

sysfs=$top/tests/fixtures/sysfs
Q=(--qemu qemu-system-aarch64)

run_qfork 0 vm --sysroot "$sysfs/grace-4gpu" --json-out "$work/vm.json" "${Q[@]}" --print
direct=$out
[ -s "$work/vm.json" ] || fail "no vm.json written"
ok "--json-out with --print writes the file and prints"
run_qfork 0 vm --from-json "$work/vm.json" "${Q[@]}"
expect_eq "$out" "$direct" "--from-json gives the same command line"

# A reviewed edit: SMMU 2 without ATS, fewer vCPUs.
awk '/"ats": "on"/ && ++n == 2 { sub(/"on"/, "\"off\"") }
     { sub(/"cpus": 8/, "\"cpus\": 4"); print }' "$work/vm.json" >"$work/edited.json"
run_qfork 0 vm --from-json "$work/edited.json" "${Q[@]}"
expect_in "arm-smmuv3,id=smmuv3.1,primary-bus=pcie.2,accel=on,ats=off"
expect_in "arm-smmuv3,id=smmuv3.0,primary-bus=pcie.1,accel=on,ats=on," "only SMMU 1 changed"
expect_in "-smp 8,sockets=2,cores=4,threads=1"

# Overrides on a description; saving the result.
run_qfork 0 vm --from-json "$work/vm.json" --override egm=off \
    --override node.memory=64G --json-out "$work/noegm.json" "${Q[@]}"
grep -q '"egm"' "$work/noegm.json" && fail "egm=off left EGM in the description"
run_qfork 0 vm --from-json "$work/noegm.json" "${Q[@]}"
expect_not_in "acpi-egm-memory" "egm=off drops acpi-egm-memory"
expect_in "memory-backend-ram,id=mem1,size=64G"

# Bad descriptions: exit 1, one message, nothing on stdout, no file.
bad() {   # bad SED-EXPR MESSAGE
    local err rc=0
    sed -e "$1" "$work/vm.json" >"$work/bad.json"
    rm -f "$work/out.json"
    "$QFORK" vm --from-json "$work/bad.json" --json-out "$work/out.json" --print \
        >"$work/stdout" 2>"$work/stderr" || rc=$?
    err=$(cat "$work/stderr")
    [ "$rc" -eq 1 ] || fail "'$1': exit $rc, expected 1"
    [ ! -s "$work/stdout" ] || fail "'$1': printed $(head -c 200 "$work/stdout")"
    [ ! -e "$work/out.json" ] || fail "'$1': wrote the output file"
    [ "$(wc -l <"$work/stderr")" -eq 1 ] || fail "'$1': not one line: $err"
    case $err in
    *"$2"*) ok "bad description: $2" ;;
    *) fail "'$1': message '$err' lacks '$2'" ;;
    esac
}
bad 's/"bus-nr": 32/"bus-nr": 17/' "overlap at bus 17"
bad 's/"oas": "48"/"oas": "52"/' "implements auto, 44 and 48"
bad 's/"cpu": "host",/"cpu": "host", "smp": 3,/' "bad.json:6: machine: unknown member \"smp\""
bad 's/"memory-nodes": \[2, /"memory-nodes": [40, /' "memory node 40 is not defined"
bad 's/"host": "0009:01:00.0"/"host": "0008:01:00.0"/' "passed through twice"
bad '$d' "bad.json:"
bad 's/"qfork-vm": 1/"qfork-vm": 7/' "format version 7"

run_qfork 1 vm --from-json "$work/missing.json" "${Q[@]}"
expect_in "missing.json" "a missing file is named"
run_qfork 1 vm --from-json "$work/vm.json" --sysroot "$sysfs/grace-1gpu"
expect_in "--sysroot and --gpu do not apply"
test_done
