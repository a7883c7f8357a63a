#!/usr/bin/env bash
# Obtain the pinned QEMU base (series.conf's "base" block) into qemu/.
#
# Sources, tried in order; each is verified before use and refused with a
# message saying why:
#   1. QEMU_SOURCE=PATH|URL  a tarball (sha256 must equal the pin), a
#      directory or a git repository/URL (VERSION must equal the pin; a
#      git source uses its tag vVERSION when it has one).  When given, it
#      is the only source tried.
#   2. the cache: cache/<tarball> at the repository root (sha256 checked).
#   3. upstream QEMU: git tag vVERSION of QEMU_UPSTREAM_GIT, only when it
#      answers within a few seconds (QEMU_UPSTREAM=0 skips it).
#   4. the pool of the Debian mirror(s) named by this machine's apt
#      sources: pool/main/q/qemu/<tarball>, sha256 checked, then cached.
#
# The tree is extracted into a temporary directory beside qemu/, checked,
# made a git repository by `qfork init`, and only then renamed to qemu/.
# An existing qemu/ is reused when it has the pinned base; otherwise (other
# base, not a qfork tree) the script stops: it never replaces a tree.
# base.lock records what was used.
#
# The pin is series.conf's, asked of `qfork query` (the parser is the file's
# only reader), or the one given as arguments (`qfork rebase` fetches the
# release it moves to this way).
#
# usage: scripts/fetch-base.sh [--version V --tarball FILE --sha256 HEX]
#        (env: QFORK, QEMU_SOURCE, QEMU_DIR, BASE_LOCK)
set -euo pipefail
. "$(dirname "$0")/pipeline-lib.sh"

QFORK=${QFORK:-$TOP/build/qfork}
QEMU_DIR=${QEMU_DIR:-$TOP/qemu}
CACHE_DIR=${CACHE_DIR:-$TOP/cache}
LOCK=${BASE_LOCK:-$TOP/base.lock}
QEMU_UPSTREAM_GIT=${QEMU_UPSTREAM_GIT:-https://gitlab.com/qemu-project/qemu.git}
UPSTREAM_TIMEOUT=${UPSTREAM_TIMEOUT:-10}

usage() {
    die "usage: $0 [--version V --tarball FILE --sha256 HEX] (all three, or none: series.conf's pin)"
}

# BASE_VERSION, BASE_TARBALL and BASE_SHA256: from the arguments, else
# from series.conf.
load_base_pin() {
    BASE_VERSION='' BASE_TARBALL='' BASE_SHA256=''
    while [ $# -gt 0 ]; do
        [ $# -ge 2 ] || usage
        case $1 in
        --version) BASE_VERSION=$2 ;;
        --tarball) BASE_TARBALL=$2 ;;
        --sha256) BASE_SHA256=$2 ;;
        *) usage ;;
        esac
        shift 2
    done
    if [ -z "$BASE_VERSION$BASE_TARBALL$BASE_SHA256" ]; then
        [ -x "$QFORK" ] || die "$QFORK not built (make builds it first)"
        local conf=$TOP/series.conf
        BASE_VERSION=$("$QFORK" -s "$conf" query base.version) || exit 1
        BASE_TARBALL=$("$QFORK" -s "$conf" query base.tarball) &&
            BASE_SHA256=$("$QFORK" -s "$conf" query base.sha256) ||
            die "$conf: base $BASE_VERSION needs 'tarball' and 'sha256'"
    fi
    [ -n "$BASE_VERSION" ] && [ -n "$BASE_TARBALL" ] && [ -n "$BASE_SHA256" ] || usage
}

load_base_pin "$@"

# Filled in by the source that succeeds, written to base.lock.
got_kind='' got_file='' got_sha256='' got_commit=''
workdir=''
cleanup() {
    if [ -n "$workdir" ]; then rm -rf "$workdir"; fi
}
trap cleanup EXIT

warn() { printf 'warning: %s\n' "$*" >&2; }

# Each source starts from an empty work directory: nothing a refused
# candidate left behind can leak into the next one.
reset_workdir() {
    got_commit=""
    rm -rf "${workdir:?}"/* "${workdir:?}"/.[!.]* 2>/dev/null || true
}

# --- an existing qemu/ -----------------------------------------------------

# What qfork (qf-tree, the owner of the base ref and of the dirty-tree
# rule) says of the existing qemu/: tree.base-version, tree.base-commit,
# tree.dirty (uncommitted changes; qemu/build is excluded).
tree_query() {
    "$QFORK" -C "$QEMU_DIR" query "$1"
}

check_existing_tree() {
    local have base dirty
    have=$(tree_query tree.base-version) && base=$(tree_query tree.base-commit) ||
        die "qemu/ exists but was not made by this pipeline (no git repository with refs/qfork/base).
  Nothing was changed. Move it away (e.g. 'mv qemu qemu.old') and run make again."
    dirty=$(tree_query tree.dirty) || die "cannot tell whether qemu/ has uncommitted changes (see above)"
    if [ "$have" != "$BASE_VERSION" ]; then
        local extra=''
        [ -z "$dirty" ] || extra="
  It also has uncommitted changes (see 'git -C qemu status'): keep them safe first."
        die "qemu/ is based on QEMU $have but series.conf pins $BASE_VERSION.
  Nothing was changed.$extra
  To move the fork to the new base, rebase with qfork; to start afresh,
  move the old tree away ('mv qemu qemu-$have') and run make again."
    fi
    if [ -n "$dirty" ]; then
        die "qemu/ has uncommitted changes; stopping so they are not lost:
$(printf '%s\n' "$dirty" | head -n 20 | sed 's/^/    /')
  Commit them ('git -C qemu commit -a'), stash them ('git -C qemu stash'),
  or rebuild the tree as it is with 'make rebuild' (no fetch, no series push)."
    fi
    banner "base: qemu/ already has QEMU $BASE_VERSION (refs/qfork/base ${base:0:7}), reusing it"
    if [ ! -f "$LOCK" ]; then
        got_kind=existing-tree got_file=- got_sha256=-
        got_commit=$base
        write_lock
    fi
}

# --- verification of a candidate -------------------------------------------

verify_tarball() {
    local file=$1 sha
    sha=$(sha256_of "$file")
    if [ "$sha" != "$BASE_SHA256" ]; then
        printf 'error: %s: sha256 %s does not match the pin %s (series.conf, base %s); refusing it\n' \
            "$file" "$sha" "$BASE_SHA256" "$BASE_VERSION" >&2
        return 1
    fi
}

# Check DIR/VERSION against the pin.
verify_version() {
    local dir=$1 what=$2 v
    v=$(tr -d '[:space:]' <"$dir/VERSION" 2>/dev/null) || {
        printf 'error: %s: no VERSION file; not a QEMU source tree\n' "$what" >&2
        return 1
    }
    if [ "$v" != "$BASE_VERSION" ]; then
        printf 'error: %s is QEMU %s, but series.conf pins %s; refusing it\n' \
            "$what" "$v" "$BASE_VERSION" >&2
        return 1
    fi
}

# --- getting a tree into $workdir/src --------------------------------------

extract_tarball() {
    local file=$1
    banner "base: extracting $(basename "$file")"
    mkdir -p "$workdir/x"
    tar --no-same-owner -xf "$file" -C "$workdir/x" ||
        { printf 'error: %s: extraction failed\n' "$file" >&2; return 1; }
    # The tarball holds one top-level directory (qemu-VERSION).
    local tops
    tops=$(find "$workdir/x" -mindepth 1 -maxdepth 1)
    if [ "$(printf '%s\n' "$tops" | wc -l)" -ne 1 ] || [ ! -d "$tops" ]; then
        printf 'error: %s: expected one top-level directory\n' "$file" >&2
        return 1
    fi
    mv "$tops" "$workdir/src" && rmdir "$workdir/x"
    verify_version "$workdir/src" "$file"
}

# Export a git repository's tag vVERSION (or HEAD when it has no such tag)
# with its meson subprojects, as a plain tree.
export_git() {
    local repo=$1 ref
    if git -C "$repo" rev-parse -q --verify "refs/tags/v$BASE_VERSION^{commit}" >/dev/null; then
        ref=v$BASE_VERSION
    else
        ref=HEAD
    fi
    got_commit=$(git -C "$repo" rev-parse "$ref^{commit}")
    banner "base: exporting $ref ($got_commit) of $repo"
    mkdir -p "$workdir/src"
    git -C "$repo" archive --format=tar "$got_commit" |
        tar --no-same-owner -xf - -C "$workdir/src" ||
        { printf 'error: %s: git archive %s failed\n' "$repo" "$ref" >&2; return 1; }
    verify_version "$workdir/src" "$repo at $ref" || return 1
    fetch_subprojects "$workdir/src"
}

# An upstream git tree has only the meson wraps of its subprojects; a
# build with --disable-download needs them present (as in a release
# tarball), so they are downloaded once here.
fetch_subprojects() {
    local src=$1
    [ -f "$src/subprojects/keycodemapdb/README" ] && return 0
    note "downloading the meson subprojects the build needs"
    (cd "$src" && timeout 300 meson subprojects download \
        keycodemapdb berkeley-softfloat-3 berkeley-testfloat-3) >"$workdir/subprojects.log" 2>&1 || {
        sed 's/^/    /' "$workdir/subprojects.log" >&2
        printf 'error: meson subprojects download failed\n' >&2
        return 1
    }
}

copy_dir() {
    local dir=$1
    banner "base: copying directory $dir"
    verify_version "$dir" "$dir" || return 1
    mkdir -p "$workdir/src"
    (cd "$dir" && tar --exclude=./.git --exclude=./build -cf - .) |
        tar --no-same-owner -xf - -C "$workdir/src"
}

try_user_source() {
    local src=$1
    reset_workdir
    if [ -f "$src" ]; then
        verify_tarball "$src" || return 1
        extract_tarball "$src" || return 1
        got_kind=tarball got_file=$(basename "$src") got_sha256=$BASE_SHA256
    elif [ -d "$src/.git" ] || git -C "$src" rev-parse --is-bare-repository 2>/dev/null | grep -qx true; then
        export_git "$src" || return 1
        got_kind=git got_file=- got_sha256=-
    elif [ -d "$src" ]; then
        copy_dir "$src" || return 1
        got_kind=dir got_file=- got_sha256=-
    elif [[ $src == *://* || $src == *.git ]]; then
        clone_git "$src" || return 1
        got_kind=git got_file=- got_sha256=-
    else
        printf 'error: QEMU_SOURCE=%s: no such file or directory\n' "$src" >&2
        return 1
    fi
}

try_cache() {
    local file=$CACHE_DIR/$BASE_TARBALL
    [ -f "$file" ] || return 1
    reset_workdir
    banner "base: trying the cache: cache/$BASE_TARBALL"
    if ! verify_tarball "$file"; then
        mv -f "$file" "$file.rejected"
        warn "set aside as cache/$BASE_TARBALL.rejected; trying the next source"
        return 1
    fi
    extract_tarball "$file" || return 1
    got_kind=cache got_file=$BASE_TARBALL got_sha256=$BASE_SHA256
}

# Shallow clone of tag vVERSION from URL, giving up quickly when the host
# does not answer (CI machines reach only Debian's archive).
clone_git() {
    local url=$1
    banner "base: trying git $url (tag v$BASE_VERSION)"
    if ! GIT_TERMINAL_PROMPT=0 timeout "$UPSTREAM_TIMEOUT" \
            git ls-remote --exit-code "$url" "refs/tags/v$BASE_VERSION" >/dev/null 2>&1; then
        printf '    %s: unreachable, or it has no tag v%s (checked for %ss)\n' \
            "$url" "$BASE_VERSION" "$UPSTREAM_TIMEOUT" >&2
        return 1
    fi
    GIT_TERMINAL_PROMPT=0 timeout 1200 git clone -q --depth 1 --branch "v$BASE_VERSION" \
        "$url" "$workdir/clone" || {
        printf 'error: %s: clone of v%s failed\n' "$url" "$BASE_VERSION" >&2
        return 1
    }
    export_git "$workdir/clone" || return 1
    rm -rf "$workdir/clone"
}

try_upstream() {
    [ "${QEMU_UPSTREAM:-1}" != 0 ] || return 1
    reset_workdir
    clone_git "$QEMU_UPSTREAM_GIT" || { note "upstream QEMU not used; trying the next source"; return 1; }
    got_kind=upstream-git got_file=- got_sha256=-
}

# pool/main/<initial>/<source>/<tarball>: the source package is the
# tarball's name up to the first '_'.
debian_pool_path() {
    local srcpkg=${BASE_TARBALL%%_*} initial
    case $srcpkg in lib?*) initial=${srcpkg:0:4} ;; *) initial=${srcpkg:0:1} ;; esac
    printf 'pool/main/%s/%s/%s' "$initial" "$srcpkg" "$BASE_TARBALL"
}

try_debian_pool() {
    local uris uri path
    path=$(debian_pool_path)
    uris=$(apt_bookworm_uris)
    if [ -n "${QEMU_DEBIAN_MIRROR:-}" ]; then uris=$QEMU_DEBIAN_MIRROR; fi
    [ -n "$uris" ] || {
        printf 'error: no apt source for Debian bookworm found in %s (sources.list, sources.list.d)\n' "${APT_ETC:-/etc/apt}" >&2
        return 1
    }
    mkdir -p "$CACHE_DIR"
    for uri in $uris; do
        reset_workdir
        banner "base: downloading $path from the apt mirror"
        if download_verified "$uri/$path" "$CACHE_DIR/$BASE_TARBALL" "$BASE_SHA256"; then
            note "verified sha256 $BASE_SHA256; kept as cache/$BASE_TARBALL"
            extract_tarball "$CACHE_DIR/$BASE_TARBALL" || return 1
            got_kind=debian-pool got_file=$BASE_TARBALL got_sha256=$BASE_SHA256
            return 0
        fi
        warn "$path: not obtained from this mirror"
    done
    return 1
}

# --- the result ------------------------------------------------------------

write_lock() {
    local tmp=$LOCK.tmp
    {
        echo "# The QEMU base that qemu/ was made from; written by scripts/fetch-base.sh."
        echo "# source: tarball | cache | debian-pool | git | upstream-git | dir | existing-tree"
        echo "version $BASE_VERSION"
        echo "source $got_kind"
        echo "file $got_file"
        echo "sha256 $got_sha256"
        echo "commit ${got_commit:--}"
        echo "base-commit $(tree_query tree.base-commit)"
    } >"$tmp"
    mv -f "$tmp" "$LOCK"
}

install_tree() {
    banner "base: qfork init (pristine base commit, refs/qfork/base)"
    # The description goes into the base commit: it names the content
    # (tarball and checksum, or git commit), not where it was found, so the
    # same base gives the same commit id from any source.
    local desc
    if [ "$got_sha256" != - ]; then
        desc="From $BASE_TARBALL, sha256 $BASE_SHA256."
    elif [ -n "$got_commit" ]; then
        desc="From git commit $got_commit (QEMU $BASE_VERSION)."
    else
        desc="From a QEMU $BASE_VERSION source directory."
    fi
    "$QFORK" init --version "$BASE_VERSION" \
            --source-desc "$desc" "$workdir/src" ||
        die "qfork init failed on the extracted tree; nothing was installed as qemu/"
    # Same filesystem: the rename is atomic, so qemu/ is either absent or whole.
    mv -T "$workdir/src" "$QEMU_DIR" ||
        die "could not rename the new tree to qemu/"
    local base
    base=$(tree_query tree.base-commit)
    note "qemu/ is QEMU $BASE_VERSION at ${base:0:7}"
}

main() {
    if [ -e "$QEMU_DIR" ]; then
        check_existing_tree
        return 0
    fi
    workdir=$(mktemp -d "$(dirname "$QEMU_DIR")/.qemu-new.XXXXXX")
    banner "base: QEMU $BASE_VERSION ($BASE_TARBALL, sha256 ${BASE_SHA256:0:16}...)"
    if [ -n "${QEMU_SOURCE:-}" ]; then
        try_user_source "$QEMU_SOURCE" ||
            die "QEMU_SOURCE=$QEMU_SOURCE refused (see above); nothing was changed"
    elif ! { try_cache || try_upstream || try_debian_pool; }; then
        die "no source gave QEMU $BASE_VERSION (tried: cache/$BASE_TARBALL, upstream git, the Debian pool of the apt mirror).
  Give one yourself: make QEMU_SOURCE=/path/to/$BASE_TARBALL (sha256 $BASE_SHA256)"
    fi
    install_tree
    write_lock
    note "base.lock: source $got_kind"
}

main
