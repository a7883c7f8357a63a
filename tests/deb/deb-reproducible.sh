#!/usr/bin/env bash
# Two builds of the same commit give the same .deb, byte for byte: for
# each package in build/deb, the same build is packaged twice more by
# scripts/build-deb.sh, the second a second later, from another directory,
# with another umask, time zone and locale, and the two are compared with
# cmp.  (Both are made here: build/deb's own may come from an earlier
# commit, whose date is its SOURCE_DATE_EPOCH; it is compared too, and a
# difference only reported.)
set -uo pipefail
. "$(dirname "$0")/lib/deb.bash"
n=0
for arch in "$(native_arch)" arm64; do
    deb=$(deb_of "$arch")
    [ -f "$deb" ] || continue
    qfork=$top/build/deb-$arch/qfork
    [ -x "$qfork" ] || { not_ok "no $qfork to build the $arch package again"; continue; }
    if ! (cd "$top" && GRACE_ARCH=$arch "$top/scripts/build-deb.sh" "$qfork" "$work/$arch-1") \
            >"$work/$arch-1.log" 2>&1; then
        not_ok "building the $arch package:"; cat "$work/$arch-1.log"; continue
    fi
    sleep 1
    if ! (umask 077 && cd / && TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 GRACE_ARCH=$arch \
            "$top/scripts/build-deb.sh" "$qfork" "$work/$arch-2") >"$work/$arch-2.log" 2>&1; then
        not_ok "building the $arch package again:"; cat "$work/$arch-2.log"; continue
    fi
    n=$((n + 1))
    first=$work/$arch-1/${deb##*/} again=$work/$arch-2/${deb##*/}
    if cmp "$first" "$again"; then
        ok "${deb##*/}: the same bytes twice ($(sha256_of "$first" | cut -c1-16)..., $(du -k "$first" | cut -f1) KiB)"
    else
        not_ok "${deb##*/} differs when built again:"
        diff <(dpkg-deb -c "$first") <(dpkg-deb -c "$again") | head -n 20
    fi
    cmp -s "$deb" "$first" ||
        echo "note: build/deb/${deb##*/} differs from these (made at another commit?)"
done
[ "$n" -gt 0 ] || skip "no grace-qemu package in build/deb: run make deb"
test_done
