#!/usr/bin/env bash
# The grace-qemu packages install beside Debian's QEMU: no path of theirs
# is in Debian's qemu-system-arm, qemu-system-common or qemu-system-data
# (downloaded with apt-get, not installed), dpkg would find no file
# conflict, and the package declares no Conflicts, Breaks, Replaces or
# Provides.  Ubuntu's packages use the same paths as Debian's; the package
# keeps to its own names so it stays clear of both: everything is below
# /usr/lib/grace-qemu, /usr/share/doc/grace-qemu, or named grace-qemu-*
# or qfork.
set -uo pipefail
. "$(dirname "$0")/lib/deb.bash"
debs=()
for a in "$(native_arch)" arm64; do
    [ -f "$(deb_of "$a")" ] && debs+=("$(deb_of "$a")")
done
[ ${#debs[@]} -gt 0 ] || skip "no grace-qemu package in build/deb: run make deb"

cache=$top/cache/debs/qemu-system
mkdir -p "$cache"
for p in qemu-system-arm qemu-system-common qemu-system-data; do
    ls "$cache/${p}_"*.deb >/dev/null 2>&1 || missing="${missing:-} $p"
done
if [ -n "${missing:-}" ] && ! (cd "$cache" && apt-get download -qq $missing) >"$work/apt.log" 2>&1; then
    cat "$work/apt.log"
    skip "cannot download Debian's qemu-system-arm (apt-get download): no mirror?"
fi
for d in "$cache"/*.deb; do
    deb_paths "$d"
done | LC_ALL=C sort -u >"$work/debian-paths"
echo "Debian's: $(ls "$cache" | tr '\n' ' ')($(wc -l <"$work/debian-paths") paths)"

allowed='^/usr(/bin(/grace-qemu-[^/]*|/qfork)?|/lib(/grace-qemu(/.*)?)?|/share(/doc(/grace-qemu(/.*)?)?|/man(/man1(/(grace-qemu-[^/]*|qfork)\.1\.gz)?)?)?)?$'
for deb in "${debs[@]}"; do
    name=${deb##*/}
    deb_paths "$deb" >"$work/ours"
    # Directories like /usr/bin are shared by every package: files only.
    dpkg-deb --fsys-tarfile "$deb" | tar -tv | awk '$1 !~ /^d/ { print $NF }' |
        sed 's:^\./:/:' | LC_ALL=C sort >"$work/our-files"
    clash=$(LC_ALL=C comm -12 "$work/our-files" "$work/debian-paths")
    [ -z "$clash" ] && ok "$name: none of its $(wc -l <"$work/our-files") files is in Debian's QEMU packages" ||
        not_ok "$name: files also in Debian's QEMU packages: $clash"
    other=$(grep -Ev "$allowed" "$work/ours")
    [ -z "$other" ] && ok "$name: only its own names (/usr/lib/grace-qemu, grace-qemu-*, qfork)" ||
        not_ok "$name: paths outside its own names: $other"
    for f in Conflicts Breaks Replaces Provides; do
        v=$(dpkg-deb -f "$deb" "$f")
        [ -z "$v" ] || not_ok "$name: $f: $v"
    done
done
test_done
