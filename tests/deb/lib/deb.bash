# Helpers for tests/deb/*.sh: the grace-qemu packages of `make deb` and
# `make deb ARCH=arm64` (scripts/build-deb.sh), in build/deb/.  Sourced.

. "$(dirname "${BASH_SOURCE[0]}")/../../lib/test-lib.sh"
# shellcheck source=scripts/pipeline-lib.sh
. "$top/scripts/pipeline-lib.sh"



version=$(grace_version) || skip "not a full git clone: no package version"

# deb_of ARCH: the package's path (it may not exist).
deb_of() {
    echo "$top/build/deb/grace-qemu_${version}_$1.deb"
}

# need_deb ARCH: set $deb, or skip saying how to make it.
need_deb() {
    deb=$(deb_of "$1")
    local hint="make deb"
    [ "$1" = "$(native_arch)" ] || hint="make deb ARCH=$1"
    [ -f "$deb" ] || skip "no ${deb#"$top"/}: run $hint"
}

# The paths a package installs, one per line, without the leading ".".
deb_paths() {
    dpkg-deb --fsys-tarfile "$1" | tar -t | sed -e 's:^\./:/:' -e 's:/$::' -e '/^\/\?$/d' | LC_ALL=C sort
}
