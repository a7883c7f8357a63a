"""Parsers for the ACPI tables the QEMU tests check (IORT, SRAT, SLIT), shared by
tests/qemu/vm-launch.sh and tests/guest/lib/check-guest.py."""
import struct


def iort_nodes(iort):
    """{offset: (type, [(input base, count, output base, ref, flags)],
    the node's bytes)} of an IORT."""
    count, first = struct.unpack_from("<II", iort, 36)
    nodes, off = {}, first
    for _ in range(count):
        typ, length = struct.unpack_from("<BH", iort, off)
        nmap, mapoff = struct.unpack_from("<II", iort, off + 8)
        maps = [struct.unpack_from("<IIIII", iort, off + mapoff + 20 * i)
                for i in range(nmap)]
        nodes[off] = (typ, maps, iort[off:off + length])
        off += length
    return nodes


IORT_ROOT_COMPLEX, IORT_SMMUV3 = 2, 4


def smmuv3_base(node_bytes):
    """The base address of an IORT SMMUv3 node."""
    return struct.unpack_from("<Q", node_bytes, 16)[0]


def srat_entries(srat):
    """(memory {node: [(base, length)]} of the enabled memory affinity
    structures, GI [(node, handle type, segment, bus, dev, fn)] in order)."""
    mem, gi, off = {}, [], 48
    while off + 2 <= len(srat):
        typ, length = srat[off], srat[off + 1]
        if length < 2:
            raise ValueError("SRAT: bad subtable length at %d" % off)
        if typ == 1:
            node, base, size, flags = struct.unpack_from("<I2xQQ4xI", srat,
                                                         off + 2)
            if flags & 1 and size:
                mem.setdefault(node, []).append((base, size))
        elif typ == 5:
            handle, node, seg, bus, devfn = struct.unpack_from(
                "<xBIHBB", srat, off + 2)
            gi.append((node, handle, seg, bus, devfn >> 3, devfn & 7))
        off += length
    return mem, gi


def slit_matrix(slit):
    """The SLIT's distances, one row per node."""
    n = struct.unpack_from("<Q", slit, 36)[0]
    return [list(slit[44 + i * n:44 + (i + 1) * n]) for i in range(n)]
