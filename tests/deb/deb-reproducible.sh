#!/usr/bin/env bash
# Two builds of the same commit give the same .deb, byte for byte: each
# package in build/deb is built again from the same build, in another
# directory, a second later, with another umask, time zone and locale,
# and compared with cmp (diffoscope is not needed to tell).
set -uo pipefail
. "$(dirname "$0")/lib/deb.bash"
n=0
for arch in "$(native_arch)" arm64; do
    deb=$(deb_of "$arch")
    [ -f "$deb" ] || continue
    qfork=$top/build/deb-$arch/qfork
    [ -x "$qfork" ] || { not_ok "no $qfork to build the $arch package again"; continue; }
    sleep 1
    if ! (umask 077 && cd / && TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 GRACE_ARCH=$arch \
            "$top/scripts/build-deb.sh" "$qfork" "$work/$arch") >"$work/$arch.log" 2>&1; then
        not_ok "building the $arch package again:"; cat "$work/$arch.log"; continue
    fi
    n=$((n + 1))
    again=$work/$arch/${deb##*/}
    if cmp "$deb" "$again"; then
        ok "${deb##*/}: the same bytes again ($(sha256_of "$deb" | cut -c1-16)..., $(du -k "$deb" | cut -f1) KiB)"
    else
        not_ok "${deb##*/} differs when built again:"
        diff <(dpkg-deb -c "$deb") <(dpkg-deb -c "$again") | head -n 20
    fi
done
[ "$n" -gt 0 ] || skip "no grace-qemu package in build/deb: run make deb"
test_done
