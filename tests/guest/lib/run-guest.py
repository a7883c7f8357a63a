#!/usr/bin/env python3
"""Boot a guest under QEMU, reset it, and keep what its console printed.

usage: run-guest.py CONSOLE BOOTS TIMEOUT QEMU-ARGV...

QEMU runs with its serial console in the file CONSOLE and its monitor on
a pipe.  Each time the guest's /init prints "@@end" (tests/guest/lib/init)
the host sends "system_reset", until BOOTS boots have ended; then "quit".
Each boot must end within TIMEOUT seconds.  Exit 0 when all did; else 1,
with the reason and the console's last lines on stderr.
"""
import subprocess
import sys
import time


def count_ends(path):
    try:
        with open(path, "rb") as f:
            return f.read().replace(b"\r", b"").count(b"\n@@end\n")
    except FileNotFoundError:
        return 0


def tail(path, n=40):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no console output)"
    return "\n".join("    " + l for l in lines[-n:])


def main():
    console, boots, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    argv = sys.argv[4:] + ["-nodefaults", "-display", "none",
                           "-serial", "file:" + console, "-monitor", "stdio"]
    open(console, "wb").close()     # not a previous run's output
    qemu = subprocess.Popen(argv, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done, start, failed = 0, time.monotonic(), None
    while done < boots:
        if qemu.poll() is not None:
            failed = "QEMU exited (status %d) during boot %d: %s" % (
                qemu.returncode, done + 1,
                qemu.stderr.read().decode(errors="replace").strip())
            break
        if time.monotonic() - start > timeout:
            failed = "boot %d did not finish within %gs" % (done + 1, timeout)
            break
        n = count_ends(console)
        if n > done:
            done = n
            print("boot %d: done in %.1fs" % (done, time.monotonic() - start))
            start = time.monotonic()
            if done < boots:
                qemu.stdin.write(b"system_reset\n")
                qemu.stdin.flush()
            continue
        time.sleep(0.2)
    if qemu.poll() is None:
        try:
            qemu.stdin.write(b"quit\n")
            qemu.stdin.flush()
            qemu.wait(timeout=10)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            qemu.kill()
            qemu.wait()
    if failed:
        print(failed, file=sys.stderr)
        print("console (last lines):\n" + tail(console), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
