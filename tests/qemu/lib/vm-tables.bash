# shellcheck shell=bash
# The ACPI tables of a VM that `qfork vm --emulate` generated, as QEMU
# builds them, read over qtest by tests/tools/acpi-dump (sourced by
# tests/qemu/vm-launch.sh and tests/qemu/guest-boot.sh).
#
# Needs: $top (the repository root) and /usr/bin/python3.

vm_tables_python=/usr/bin/python3

# Bus numbers for the root ports, as firmware would assign them: port p of
# the pxb-pcie with bus_nr B gets secondary = subordinate = B + 1 + p.
program_buses() {   # program_buses SOCKET VM-JSON
    "$vm_tables_python" - "$1" "$2" <<'PY'
import json, socket, sys

ECAM = 0x4010000000          # virt's high ECAM (RAM below 255 GiB)
sock = socket.socket(socket.AF_UNIX)
sock.connect(sys.argv[1])
rd = sock.makefile("r")

def qtest(cmd):
    sock.sendall((cmd + "\n").encode())
    while True:
        line = rd.readline().split()
        if line and line[0] == "OK":
            return line[1:]
        if line and line[0] == "FAIL":
            sys.exit("qtest: %s: %s" % (cmd, " ".join(line)))

def cfg(bus, dev, reg):
    return ECAM + (bus << 20) + (dev << 15) + reg

def readw(addr):
    return int(qtest("readw 0x%x" % addr)[0], 16)

if (readw(cfg(0, 0, 0)), readw(cfg(0, 0, 2))) != (0x1b36, 0x0008):
    sys.exit("no virt PCIe host bridge at ECAM 0x%x" % ECAM)
vm = json.load(open(sys.argv[2]))
for smmu in vm["smmus"]:
    b = smmu["bus-nr"]
    for p, gpu in enumerate(smmu["gpus"]):
        ids = (readw(cfg(b, p, 0)), readw(cfg(b, p, 2)))
        if ids != (0x1b36, 0x000c):
            sys.exit("%s: no pcie-root-port at %02x:%02x.0 (found %04x:%04x)"
                     % (gpu["port"], b, p, ids[0], ids[1]))
        qtest("writeb 0x%x 0x%x" % (cfg(b, p, 0x18), b))
        qtest("writeb 0x%x 0x%x" % (cfg(b, p, 0x19), b + 1 + p))
        qtest("writeb 0x%x 0x%x" % (cfg(b, p, 0x1a), b + 1 + p))
sock.close()
PY
}

# vm_read_tables VM-JSON OUTDIR QEMU-ARGV...: run QEMU-ARGV (the printed
# command line; "tcg" becomes "qtest") with a qtest socket, number the
# root ports' buses as firmware would, and write every table to
# OUTDIR/<SIG>.dat.  Its log is OUTDIR.log, printed on failure.
vm_read_tables() {
    local json=$1 out=$2 sock=$2.qtest a pid rc=0
    shift 2
    local qargs=()
    for a in "${@:2}"; do
        [ "$a" = tcg ] && a=qtest
        qargs+=("$a")
    done
    make -s -C "$top" -f tests/tools/tools.mk tools
    "$1" "${qargs[@]}" -qtest "unix:$sock,server=on,wait=off" \
        -display none -nodefaults >"$out.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    if ! program_buses "$sock" "$json" ||
        ! "$top/build/tools/acpi-dump" --socket "$sock" -o "$out" >/dev/null; then
        cat "$out.log"
        rc=1
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$sock"
    return "$rc"
}
