#!/usr/bin/env bash
# Build the grace-qemu binary package from the built fork, for GRACE_ARCH
# (make deb, make deb ARCH=arm64): what a Grace host's admin installs with
# `apt install ./grace-qemu_VERSION_arm64.deb`.
#
#   /usr/lib/grace-qemu/bin/qemu-system-aarch64   the build's binary, stripped
#   /usr/lib/grace-qemu/share/qemu/keymaps        its data (VNC keymaps)
#   /usr/lib/grace-qemu/share/qemu-firmware       -> Debian's ipxe-qemu ROMs
#   /usr/bin/grace-qemu-system-aarch64            the command (libvirt's <emulator>)
#   /usr/bin/qfork                                doctor, vm, the series tools
#   /usr/share/doc/grace-qemu/                    copyright, changelog, and the
#                                                 build's Kconfig result
#
# QEMU is relocatable: it finds its data and firmware path relative to the
# binary, so nothing is in /usr/share/qemu or named qemu-system-*, and
# Debian's and Ubuntu's qemu-system-arm install beside it.
#
# The version is grace_version (11.1.1+graceN, see pipeline-lib.sh), the
# same that the binary's --version names.  Depends come from dpkg-shlibdeps
# (for the cross build's arm64 libraries too, from multiarch), firmware is
# recommended (scripts/deb/control).  The package is reproducible: every
# time stamp is SOURCE_DATE_EPOCH (default: the commit's date), owners are
# root, modes are set, and compression is single-threaded, so two builds of
# one commit are the same bytes.
#
# usage: scripts/build-deb.sh QFORK [OUTDIR]
#   QFORK: qfork built for GRACE_ARCH with QF_DEFAULT_QEMU set to the
#   packaged binary (make deb builds it); OUTDIR default build/deb.
set -euo pipefail
. "$(dirname "$0")/pipeline-lib.sh"

PACKAGE=grace-qemu
PREFIX=/usr/lib/grace-qemu
COMMAND=grace-qemu-system-aarch64

qfork=${1:?usage: scripts/build-deb.sh QFORK [OUTDIR]}
out=${2:-$TOP/build/deb}
arch=$(grace_arch)
triplet=$(deb_gnu_type)
build=$(grace_build_dir "$TOP/qemu")
qemu=$build/qemu-system-aarch64

[ -x "$qemu" ] || die "$qemu: no such binary (run make${GRACE_ARCH:+ ARCH=$arch} first)"
for bin in "$qemu" "$qfork"; do
    [ -x "$bin" ] || die "$bin: no such program"
    [ "$(elf_deb_arch "$bin")" = "$arch" ] || die "$bin is not an $arch program"
done
version=$(grace_version) ||
    die "cannot compute the version: $TOP is not a full git clone (a shallow one cannot count the series' commits: git fetch --unshallow)"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$TOP" log -1 --format=%ct HEAD)}
# dpkg-shlibdeps and dpkg-gencontrol work for this architecture.
export DEB_HOST_ARCH=$arch

banner "deb: $PACKAGE $version for $arch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 022
root=$work/debian/$PACKAGE
doc=$root/usr/share/doc/$PACKAGE

install -d "$root$PREFIX/bin" "$root$PREFIX/share" "$root/usr/bin" \
    "$root/usr/share/man/man1" "$doc" "$root/DEBIAN"
install -m 0755 "$qemu" "$root$PREFIX/bin/qemu-system-aarch64"
install -m 0755 "$qfork" "$root/usr/bin/qfork"
# As dh_strip does: no debug info (it also holds the build's paths).
for bin in "$root$PREFIX/bin/qemu-system-aarch64" "$root/usr/bin/qfork"; do
    "$triplet-strip" --strip-unneeded --remove-section=.comment \
        --remove-section=.note "$bin"
done
# The data a Grace VM can use: the keymaps (VNC's -k).  Option ROMs and
# edk2 come from Debian's ipxe-qemu and qemu-efi-aarch64.
keymaps=$build/qemu-bundle/usr/local/share/qemu/keymaps
[ -d "$keymaps" ] || die "$keymaps: no such directory (the build's keymaps)"
mkdir -p "$root$PREFIX/share/qemu"
cp -RL "$keymaps" "$root$PREFIX/share/qemu/keymaps"
ln -s ../../ipxe/qemu "$root$PREFIX/share/qemu-firmware"
ln -s "../lib/grace-qemu/bin/qemu-system-aarch64" "$root/usr/bin/$COMMAND"
install -m 0644 "$build/aarch64-softmmu-config-devices.mak" "$doc/"
install -m 0644 "$TOP/scripts/deb/copyright" "$doc/copyright"
for page in "$COMMAND.1" qfork.1; do
    gzip -9n <"$TOP/scripts/deb/$page" >"$root/usr/share/man/man1/$page.gz"
done

# A native-style version (no Debian revision): changelog.gz, one entry,
# with what the binary says it is.
runner=$(binary_runner "$qemu") || exit 1
mapfile -t run <<<"$runner"
qemu_version=$("${run[@]}" --version | head -n 1)
[[ $qemu_version == *" $version "* ]] ||
    die "$qemu says '$qemu_version', not version $version: rebuild it (make${GRACE_ARCH:+ ARCH=$arch})"
cp "$TOP/scripts/deb/control" "$work/debian/control"
{
    echo "$PACKAGE ($version) unstable; urgency=medium"
    echo
    echo "  * Grace QEMU fork $(git -C "$TOP" describe --always --tags): QEMU ${version%+grace*}"
    echo "    with the series of $(git -C "$TOP" log -1 --format=%cs -- series.conf patches)."
    echo "    --version: ${qemu_version#*(}" | sed 's/)$//'
    echo
    echo " -- $(sed -n 's/^Maintainer: //p' "$work/debian/control")  $(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
} >"$work/debian/changelog"
gzip -9n <"$work/debian/changelog" >"$doc/changelog.gz"

# Depends: dpkg-shlibdeps on both programs, for $arch.
(cd "$work" && dpkg-shlibdeps -Tdebian/$PACKAGE.substvars \
    "debian/$PACKAGE$PREFIX/bin/qemu-system-aarch64" "debian/$PACKAGE/usr/bin/qfork") ||
    die "dpkg-shlibdeps failed (are the $arch libraries installed? scripts/install-deps.sh)"
note "$(grep '^shlibs:Depends=' "$work/debian/$PACKAGE.substvars")"

# Same bytes every time: modes, time stamps, md5sums in a fixed order.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f ! -perm -u+x -exec chmod 0644 {} +
find "$root" -type f -perm -u+x -exec chmod 0755 {} +
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
    xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
(cd "$work" && dpkg-gencontrol -p"$PACKAGE" -P"debian/$PACKAGE" \
    -Tdebian/$PACKAGE.substvars -V'misc:Depends=' -fdebian/files) ||
    die "dpkg-gencontrol failed"
find "$root" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$out"
deb=$out/${PACKAGE}_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --threads-max=1 --build "$root" "$deb.tmp" >/dev/null ||
    die "dpkg-deb failed"
mv -f "$deb.tmp" "$deb"
note "$(dpkg-deb -f "$deb" Depends)"
banner "deb: ${deb#"$TOP"/} ($(du -k "$deb" | cut -f1) KiB, installed $(dpkg-deb -f "$deb" Installed-Size) KiB)"
