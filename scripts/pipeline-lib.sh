# shellcheck shell=bash
# Shared helpers of the build pipeline scripts (sourced, not run).
#
# Every script of the pipeline prints what it does as "==> phase" banners
# and fails with one "error: ..." line naming what is wrong, so a newcomer
# watching a several-minute build sees where it is and why it stopped.

# The repository root, wherever the caller runs from.
: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export TOP

PIPELINE_START=${PIPELINE_START:-$(date +%s)}
export PIPELINE_START

# Time since the pipeline started, as "1m05s".
elapsed() {
    local s=$(($(date +%s) - PIPELINE_START))
    printf '%dm%02ds' $((s / 60)) $((s % 60))
}

banner() {
    printf '==> [%s] %s\n' "$(elapsed)" "$*"
}

note() {
    printf '    %s\n' "$*"
}

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

sha256_of() {
    sha256sum "$1" | cut -d' ' -f1
}

# The URIs of the machine's apt sources that serve the Debian suite SUITE
# (default "bookworm"), one per line, from both the one-line and the
# deb822 formats.  The mirror is found here at run time: no host name is
# written into the repository.
apt_suite_uris() {
    local etc=${APT_ETC:-/etc/apt} suite=${1:-bookworm}
    {
        for f in "$etc/sources.list" "$etc"/sources.list.d/*.list; do
            [ -r "$f" ] || continue
            # deb [opts] URI SUITE COMPONENTS...
            sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
                awk -v s="$suite" '$1 == "deb" && $3 == s { print $2 }'
        done
        for f in "$etc"/sources.list.d/*.sources; do
            [ -r "$f" ] || continue
            awk -v s="$suite" '
                function flush() {
                    if (enabled && types ~ /(^| )deb( |$)/ && index(suites " ", " " s " "))
                        print uris
                    types = suites = uris = ""; enabled = 1
                }
                BEGIN { enabled = 1 }
                /^[[:space:]]*#/ { next }
                /^[[:space:]]*$/ { flush(); next }
                tolower($1) == "types:"   { $1 = ""; types = $0 }
                tolower($1) == "suites:"  { $1 = ""; suites = $0 }
                tolower($1) == "uris:"    { $1 = ""; uris = $0 }
                tolower($1) == "enabled:" { enabled = (tolower($2) != "no") }
                END { flush() }' "$f" | tr ' ' '\n'
        done
    } | sed -e '/^$/d' -e 's:/*$::' | awk '!seen[$0]++'
}

apt_bookworm_uris() {
    apt_suite_uris bookworm
}

# Download URL to DEST, trusting it only once its sha256 is WANT: the
# bytes go to DEST.part and are renamed only after the check, so an
# interrupted or truncated download is never taken for a good one.
# apt's own downloader is used where present, so the transport and proxy
# settings that apt uses on this machine apply.
download_verified() {
    local url=$1 dest=$2 want=$3 part=$2.part got
    rm -f "$part"
    if [ "${DOWNLOAD_WITH:-}" != curl ] && [ -x /usr/lib/apt/apt-helper ] &&
       [[ $url != file:* ]]; then
        # apt-helper checks the hash itself; it drops to the _apt user
        # when root, so let that user write the partial file.
        if ! /usr/lib/apt/apt-helper -o APT::Sandbox::User=root \
                -o Acquire::Retries=1 -o Acquire::http::Timeout=30 \
                download-file "$url" "$part" >"$part.log" 2>&1; then
            sed 's/^/    /' "$part.log" >&2
            rm -f "$part" "$part.log"
            return 1
        fi
        rm -f "$part.log"
    else
        curl -fsSL --connect-timeout "${CONNECT_TIMEOUT:-15}" -o "$part" "$url" || {
            rm -f "$part"
            return 1
        }
    fi
    got=$(sha256_of "$part")
    if [ "$got" != "$want" ]; then
        printf 'error: %s: sha256 mismatch (got %s, pinned %s); download discarded\n' \
            "$url" "$got" "$want" >&2
        rm -f "$part"
        return 1
    fi
    mv -f "$part" "$dest"
}

# apt_private_setup SUITES ARCH STATE: a private apt state in STATE
# (sources, lists, cache) for the Debian SUITES (space-separated, e.g.
# "unstable bookworm-backports") and architecture ARCH, on the machine's
# own bookworm mirror; sets APT_PRIVATE_OPTS for apt-get and apt-cache.
# apt checks the archive's signature and each package's hash; the
# system's sources and dpkg state are left alone.  The lists are fetched
# when missing, older than a day, or made for other suites.
apt_private_setup() {
    local suites=$1 arch=$2 state=$3 text
    [ -n "$(apt_bookworm_uris)" ] ||
        { echo "error: no apt source for Debian bookworm in /etc/apt: no mirror to use" >&2; return 1; }
    mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/parts"
    text=$(printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nArchitectures: %s\nSigned-By: %s\n' \
        "$(apt_bookworm_uris | tr '\n' ' ' | sed 's/ $//')" "$suites" "$arch" \
        /usr/share/keyrings/debian-archive-keyring.gpg)
    APT_PRIVATE_OPTS=(-o "Dir::Etc::SourceList=/dev/null"
        -o "Dir::Etc::SourceParts=$state/parts" -o "Dir::State::Lists=$state/lists"
        -o "Dir::Cache=$state/cache" -o "Dir::State::status=/dev/null"
        -o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
        -o "APT::Sandbox::User=root")
    if [ "$(cat "$state/parts/private.sources" 2>/dev/null)" = "$text" ] &&
       [ -f "$state/updated" ] && [ -z "$(find "$state/updated" -mmin +1440)" ]; then
        return 0
    fi
    rm -f "$state/updated"
    printf '%s\n' "$text" >"$state/parts/private.sources"
    apt-get "${APT_PRIVATE_OPTS[@]}" update -qq >/dev/null || return 1
    touch "$state/updated"
}

# apt_private_download SUITES ARCH DESTDIR PACKAGE...: download the .debs
# of PACKAGE... (apt-get download's names: pkg, pkg=version, pkg/suite)
# into DESTDIR with a temporary private apt state (apt_private_setup).
apt_private_download() {
    local suites=$1 arch=$2 destdir=$3 state rc=0
    shift 3
    state=$(mktemp -d)
    apt_private_setup "$suites" "$arch" "$state" &&
        (cd "$destdir" && apt-get "${APT_PRIVATE_OPTS[@]}" download -qq "$@" >/dev/null) || rc=1
    rm -rf "$state"
    return "$rc"
}

# --- the host the binary is built for ------------------------------------
#
# GRACE_ARCH (make ARCH=...) is the Debian architecture that the built
# qemu-system-aarch64 runs on; by default this machine's own.  A build for
# this machine's architecture goes to qemu/build, any other (a cross build,
# e.g. arm64 on x86-64 for a Grace host) to qemu/build-ARCH, from the same
# tree.  These functions are the one place that says so.

native_arch() {
    dpkg --print-architecture
}

grace_arch() {
    echo "${GRACE_ARCH:-$(native_arch)}"
}

grace_is_cross() {
    [ "$(grace_arch)" != "$(native_arch)" ]
}

# The build directory of TREE for GRACE_ARCH.
grace_build_dir() {
    if grace_is_cross; then
        echo "$1/build-$(grace_arch)"
    else
        echo "$1/build"
    fi
}

# grace_tree_and_build [TREE]: set tree (TREE, default qemu/ at the repo
# root, made absolute), build (its build directory for GRACE_ARCH) and rel
# (build relative to the repo root); dies when TREE is not a directory.
grace_tree_and_build() {
    tree=$(cd "${1:-$TOP/qemu}" && pwd) || die "no QEMU tree at ${1:-$TOP/qemu}"
    build=$(grace_build_dir "$tree")
    rel=${build#"$TOP"/}
}

# The GNU triplet (aarch64-linux-gnu) and CPU (aarch64) of a Debian
# architecture, default GRACE_ARCH.
deb_gnu_type() {
    dpkg-architecture -qDEB_HOST_GNU_TYPE -a"${1:-$(grace_arch)}" 2>/dev/null ||
        die "unknown Debian architecture '${1:-$(grace_arch)}' (try ARCH=arm64 or ARCH=amd64)"
}
deb_gnu_cpu() {
    dpkg-architecture -qDEB_HOST_GNU_CPU -a"${1:-$(grace_arch)}" 2>/dev/null ||
        die "unknown Debian architecture '${1:-$(grace_arch)}' (try ARCH=arm64 or ARCH=amd64)"
}

# The Debian architecture an ELF executable was built for, from its
# e_machine field (bytes 18-19, little-endian), or nothing.
elf_deb_arch() {
    local m
    m=$(od -An -j18 -N2 -tu2 "$1" 2>/dev/null | tr -d ' ')
    case $m in
    62) echo amd64 ;;
    183) echo arm64 ;;
    esac
}

# The command that runs BINARY on this machine, one word per line: the
# binary itself, or Debian's qemu-user-static emulator for a binary of
# another architecture.  -L / makes it load the multiarch libraries
# (libc6:arm64 and the -dev packages' libraries that the cross build
# linked); the cross toolchain's own prefix (/usr/aarch64-linux-gnu) has a
# different ld.so and hangs in pthread_create.
binary_runner() {
    local arch user
    arch=$(elf_deb_arch "$1")
    if [ -n "$arch" ] && [ "$arch" != "$(native_arch)" ]; then
        user=qemu-$(deb_gnu_cpu "$arch")-static
        command -v "$user" >/dev/null ||
            die "$1 is an $arch binary: running it here needs $user (Debian package qemu-user-static; make ARCH=$arch installs it)"
        printf '%s\n' "$(command -v "$user")" -L /
    fi
    printf '%s\n' "$1"
}

# The fork's version: the pinned base and the number of commits that
# changed the series (series.conf or patches/), e.g. 11.1.1+grace6.  It
# grows with every change of the series, and with the base on a rebase;
# --version (scripts/configure-qemu.sh) and the .deb (scripts/build-deb.sh)
# say it.  Fails outside a full git clone (a shallow one would count wrong)
# and without a built qfork (which reads the base from series.conf).
grace_version() {
    local n base qfork=${QFORK:-$TOP/build/qfork}
    [ "$(git -C "$TOP" rev-parse --is-shallow-repository 2>/dev/null)" = false ] || return 1
    n=$(git -C "$TOP" rev-list --count HEAD -- series.conf patches 2>/dev/null) || return 1
    base=$("$qfork" -s "$TOP/series.conf" query base.version 2>/dev/null) && [ -n "$base" ] ||
        return 1
    echo "$base+grace$n"
}
