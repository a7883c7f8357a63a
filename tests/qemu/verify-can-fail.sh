#!/usr/bin/env bash
# `make verify` (scripts/verify-qemu.sh) must fail loudly, naming what is
# missing, for a binary that lacks a Grace feature, and pass for the
# fork's own binary.  The lacking binaries are made from the real one:
#   - the build's config-devices without CONFIG_IOMMUFD=y (as a build
#     where iommufd was not selected);
#   - a wrapper whose `-device arm-smmuv3,help` has no cmdqv (as a QEMU
#     before the CMDQV series);
#   - a wrapper whose --version has no fork/series name (a plain build);
#   - an extra requirement nothing has (VERIFY_EXTRA, the test-only hook).
set -uo pipefail
. "$(dirname "$0")/../lib/test-lib.sh"
qemu=$QEMU_SYSTEM
require_qemu
build=$(cd "$(dirname "$qemu")" && pwd)
verify=$top/scripts/verify-qemu.sh


# expect_failure NAME MISSING-TEXT BINARY [VAR=VALUE...]
expect_failure() {
    local name=$1 missing=$2 bin=$3 out rc
    shift 3
    out=$(env "$@" "$verify" "$bin" 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "^  - .*$missing" <<<"$out"; then
        ok "$name: verify fails and names '$missing'"
    else
        not_ok "$name: exit $rc; output:"
        sed 's/^/    /' <<<"$out"
    fi
}

# A directory that looks like a build: BINARY plus the config-devices file.
fake_build() {
    local d=$work/$1
    mkdir -p "$d"
    cp "$build/aarch64-softmmu-config-devices.mak" "$d/"
    echo "$d"
}

out=$("$verify" "$qemu" 2>&1) && ok "the fork's binary passes ($(tail -n 1 <<<"$out" | sed 's/^==> \[[^]]*\] //'))" ||
    { not_ok "the fork's binary fails verify:"; sed 's/^/    /' <<<"$out"; }

d=$(fake_build no-iommufd)
ln -s "$qemu" "$d/qemu-system-aarch64"
sed -i '/^CONFIG_IOMMUFD=y$/d' "$d/aarch64-softmmu-config-devices.mak"
expect_failure "no CONFIG_IOMMUFD" "CONFIG_IOMMUFD=y" "$d/qemu-system-aarch64"

d=$(fake_build no-cmdqv)
cat >"$d/qemu-system-aarch64" <<WRAP
#!/bin/sh
case " \$* " in
*" arm-smmuv3,help "*) "$qemu" "\$@" | grep -v '^ *cmdqv=' ;;
*) exec "$qemu" "\$@" ;;
esac
WRAP
chmod +x "$d/qemu-system-aarch64"
expect_failure "no cmdqv property" "arm-smmuv3: property cmdqv" "$d/qemu-system-aarch64"

d=$(fake_build plain-version)
cat >"$d/qemu-system-aarch64" <<WRAP
#!/bin/sh
case " \$* " in
*" --version "*) echo "QEMU emulator version 11.1.1" ;;
*) exec "$qemu" "\$@" ;;
esac
WRAP
chmod +x "$d/qemu-system-aarch64"
expect_failure "plain --version" "version names the fork" "$d/qemu-system-aarch64"

expect_failure "extra requirement" "arm-smmuv3: property no-such-property" "$qemu" \
    VERIFY_EXTRA="device:arm-smmuv3:no-such-property"
test_done
