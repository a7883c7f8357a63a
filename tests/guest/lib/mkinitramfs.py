#!/usr/bin/env python3
"""Write a gzip'd newc cpio initramfs: busybox as /bin/busybox, an /init
script and /dev/console (the kernel opens it before any devtmpfs).

usage: mkinitramfs.py BUSYBOX INIT OUTPUT
"""
import gzip
import stat
import sys


def entry(out, ino, name, mode, data=b"", rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name_b), 0]
    out.write(b"070701" + b"".join(b"%08X" % f for f in fields))
    out.write(name_b + b"\0" * (-(110 + len(name_b)) % 4))
    out.write(data + b"\0" * (-len(data) % 4))


def main():
    busybox, init, output = sys.argv[1:4]
    with gzip.open(output, "wb", compresslevel=1) as out:
        ino = 1
        for d in ("bin", "dev", "proc", "sys", "tmp"):
            entry(out, ino, d, stat.S_IFDIR | 0o755)
            ino += 1
        entry(out, ino, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
        entry(out, ino + 1, "bin/busybox", stat.S_IFREG | 0o755,
              open(busybox, "rb").read())
        entry(out, ino + 2, "init", stat.S_IFREG | 0o755,
              open(init, "rb").read())
        entry(out, 0, "TRAILER!!!", 0)


if __name__ == "__main__":
    main()
