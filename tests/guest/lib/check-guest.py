#!/usr/bin/env python3
"""Check what a guest kernel made of a generated Grace VM (issue 11).

usage: check-guest.py VM-JSON CONSOLE SRAT-DAT WORKDIR BOOTS

VM-JSON is the VM description `qfork vm --json-out` wrote, CONSOLE the
serial output of tests/guest/lib/run-guest.py (BOOTS boots: with 2, the
second after system_reset), SRAT-DAT the SRAT tests/tools/acpi-dump read from the same
command line over qtest.  The guest's /init (tests/guest/lib/init) printed
its sysfs and ACPI tables as "@@" lines.  Checked, and printed as a
summary:

  - NUMA: the nodes the guest has are the VM's (the first
    GUEST_MAX_NODES, 16 by default, when the VM has more: the guest kernel
    then says "SRAT: Too many proximity domains"), CPU nodes with their
    memory, exactly the VM's GPU memory nodes in has_generic_initiator;
    never a faked node;
  - per GPU stand-in: bound to a driver, numa_node that of its pxb-pcie,
    alone in its IOMMU group, behind the SMMUv3 that the guest's IORT maps
    its pxb-pcie's request IDs to; one SMMUv3 per pxb in /sys/class/iommu;
  - the guest's DSDT (iasl): a GPU<n> device per EGM GPU with _ADR and the
    _DSD properties nvidia,egm-base-pa/-size/-pxm (the EGM node's SRAT
    memory range and its node), and the guest bound each stand-in to its
    GPU<n> (firmware_node); none without EGM;
  - the SRAT the guest got equals acpi-dump's;
  - with BOOTS 2: after system_reset the guest booted again with the same
    tables and sysfs.
Exit 0 when everything holds, else 1.
"""
import base64
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "qemu", "lib"))
from acpi_tables import (iort_nodes, smmuv3_base, srat_entries,  # noqa: E402
                         IORT_ROOT_COMPLEX, IORT_SMMUV3)

MAX_NODES = int(os.environ.get("GUEST_MAX_NODES", "16"))
failures = []


def ok(msg):
    print("ok " + msg)


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg)


def parse_list(text):
    """ "0-2,5" -> {0, 1, 2, 5} (sysfs node lists)"""
    out = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def fmt_list(nodes):
    nodes, out, i = sorted(nodes), [], 0
    while i < len(nodes):
        j = i
        while j + 1 < len(nodes) and nodes[j + 1] == nodes[j] + 1:
            j += 1
        out.append(str(nodes[i]) if i == j else "%d-%d" % (nodes[i], nodes[j]))
        i = j + 1
    return ",".join(out) or "-"


def parse_console(path):
    """The boots in the console log, each a dict of what /init printed."""
    text = open(path, "rb").read().decode(errors="replace").replace("\r", "")
    boots, boot, table, dmesg = [], None, None, None
    for line in text.split("\n"):
        if line.startswith("@@begin"):
            boot = {"uname": line[8:], "lists": {}, "nodes": {}, "pci": {},
                    "distance": {},
                    "iommu": {}, "groups": {}, "tables": {}, "dmesg": []}
            boots.append(boot)
            continue
        if boot is None:
            continue
        if table is not None:
            if line == "@@endtable":
                boot["tables"][table[0]] = base64.b64decode("".join(table[1]))
                table = None
            else:
                table[1].append(line.strip())
            continue
        if dmesg is not None:
            if line == "@@enddmesg":
                dmesg = None
            else:
                boot["dmesg"].append(line)
            continue
        words = line.split()
        if not words or not words[0].startswith("@@"):
            continue
        tag = words[0]
        if tag == "@@nodes":
            boot["lists"][words[1]] = parse_list(words[2] if len(words) > 2 else "")
        elif tag == "@@node":
            kv = dict(w.split("=", 1) for w in words[2:])
            boot["nodes"][int(words[1])] = (parse_list(kv.get("cpus", "")),
                                            int(kv.get("memkb") or 0))
            if kv.get("dist"):
                boot["distance"][int(words[1])] = [
                    int(d) for d in kv["dist"].split(",")]
        elif tag == "@@pci":
            boot["pci"][words[1]] = dict(w.split("=", 1) for w in words[2:])
        elif tag == "@@iommu":
            boot["iommu"][words[1]] = words[2:]
        elif tag == "@@group":
            boot["groups"][words[1]] = words[2:]
        elif tag == "@@table":
            table = (words[1], [])
        elif tag == "@@dmesg":
            dmesg = True
        elif tag == "@@end":
            boot["complete"] = True
    return boots


# ---- ACPI tables ---------------------------------------------------------

def iort_smmu_for_rids(iort):
    """{(rid_base, count): SMMUv3 base address} from the root complex maps."""
    nodes, out = iort_nodes(iort), {}
    for typ, maps, _ in nodes.values():
        if typ != IORT_ROOT_COMPLEX:
            continue
        for base, cnt, _out, ref, _flags in maps:
            target = nodes.get(ref)
            if target and target[0] == IORT_SMMUV3:
                out[(base, cnt)] = smmuv3_base(target[2])
    return out


def block(dsl, pos):
    """The text of the braced block that starts after @pos in iasl output."""
    start = dsl.index("{", pos)
    depth = 0
    for i in range(start, len(dsl)):
        depth += {"{": 1, "}": -1}.get(dsl[i], 0)
        if depth == 0:
            return dsl[start:i + 1]
    return dsl[start:]


def dsdt_gpus(dsdt, workdir):
    """GPU<n> devices of a DSDT: {name: {"_ADR": int, prop: int}} (iasl)."""
    dat = os.path.join(workdir, "DSDT.dat")
    open(dat, "wb").write(dsdt)
    subprocess.run(["iasl", "-d", dat], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    dsl = open(os.path.join(workdir, "DSDT.dsl")).read()
    value = r"(0x[0-9A-Fa-f]+|\d+|Zero|One|Ones)"

    def num(v):
        return {"Zero": 0, "One": 1, "Ones": -1}.get(v) if v in (
            "Zero", "One", "Ones") else int(v, 0)

    gpus = {}
    # The names of the EGM patch (qemu-options.hx): GPU0-GPU9, GP0A-GPFF,
    # then a letter and three hex digits; a PCI device, so with an _ADR
    # (which tells GPU devices from e.g. the GED device "GEDD").
    starts = [(m.start(), m.group(1)) for m in
              re.finditer(r"Device \(([A-Z_][0-9A-Z_]{3})\)", dsl)]
    for pos, name in starts:
        if not re.match(r"(GPU\d|GP[0-9A-F]{2}|[GHIJKMNOQTUVWXYZ][0-9A-F]{3})$",
                        name):
            continue
        body = block(dsl, pos)
        dev = {}
        m = re.search(r"Name \(_ADR, " + value + r"\)", body)
        if not m:
            continue
        dev["_ADR"] = num(m.group(1))
        for m in re.finditer(r'"(nvidia,[a-z-]+)",\s*' + value, body):
            dev[m.group(1)] = num(m.group(2))
        gpus[name] = dev
    return gpus


# ---- the checks ----------------------------------------------------------

def gpus_of(vm):
    """(smmu, port index, gpu) in command-line order."""
    for smmu in vm["smmus"]:
        for p, gpu in enumerate(smmu["gpus"]):
            yield smmu, p, gpu


def check_numa(vm, boot):
    ids = [n["id"] for n in vm["nodes"]]
    visible = {i for i in ids if i < MAX_NODES}
    cpu = {n["id"] for n in vm["nodes"] if n.get("cpus")} & visible
    mem = {n["id"] for n in vm["nodes"] if n.get("memory")} & visible
    gi = {x for _, _, g in gpus_of(vm) for x in g["memory-nodes"]}
    lists = boot["lists"]
    dmesg = "\n".join(boot["dmesg"])
    got = {k: lists.get(k, set()) for k in
           ("online", "has_cpu", "has_memory", "has_generic_initiator")}
    print("   guest nodes %s (CPUs %s, memory %s), GI nodes %s" % (
        fmt_list(got["online"]), fmt_list(got["has_cpu"]),
        fmt_list(got["has_memory"]), fmt_list(got["has_generic_initiator"])))
    for n in sorted(boot["nodes"]):
        cpus, memkb = boot["nodes"][n]
        if cpus or memkb:
            print("   node %d: cpus %s, %d MiB" % (n, fmt_list(cpus), memkb // 1024))
    if "Faking a node" in dmesg or "No NUMA configuration" in dmesg:
        fail("the guest faked a single NUMA node: %s" % "; ".join(
            l.split("] ", 1)[-1] for l in boot["dmesg"] if "NUMA" in l)[:600])
        return
    want = {"online": visible, "has_cpu": cpu, "has_memory": mem,
            "has_generic_initiator": gi & visible}
    for key in want:
        if got[key] != want[key]:
            fail("%s: guest %s, VM %s" % (key, fmt_list(got[key]), fmt_list(want[key])))
    if all(got[k] == want[k] for k in want):
        ok("NUMA: %d nodes, CPU nodes %s with memory, GI nodes %s" % (
            len(visible), fmt_list(cpu), fmt_list(gi & visible)))
    for n in mem:
        if not boot["nodes"].get(n, (set(), 0))[1]:
            fail("node %d has no memory in the guest" % n)
    if len(ids) > MAX_NODES:
        lost = sorted(set(ids) - visible)
        if "Too many proximity domains" in dmesg:
            ok("the VM's %d nodes exceed the guest kernel's %d: it says "
               "'SRAT: Too many proximity domains' and drops nodes %s "
               "(GI nodes of GPUs %s)" % (
                   len(ids), MAX_NODES, fmt_list(lost),
                   ", ".join(g["id"] for _, _, g in gpus_of(vm)
                             if set(g["memory-nodes"]) & set(lost))))
        else:
            fail("%d nodes > %d, but the guest kernel did not report "
                 "'Too many proximity domains'" % (len(ids), MAX_NODES))


def check_devices(vm, boot, iort):
    rid_map = iort_smmu_for_rids(iort)
    smmu_names = set(boot["iommu"])
    if len(smmu_names) == len(vm["smmus"]):
        ok("%d SMMUv3 in /sys/class/iommu, one per pxb-pcie: %s" % (
            len(smmu_names), " ".join(sorted(smmu_names))))
    else:
        fail("/sys/class/iommu has %d instances (%s), the VM %d SMMUs" % (
            len(smmu_names), " ".join(sorted(smmu_names)), len(vm["smmus"])))
    for smmu, p, gpu in gpus_of(vm):
        bus = smmu["bus-nr"] + 1 + p
        bdf = "0000:%02x:00.0" % bus
        dev = boot["pci"].get(bdf)
        if not dev:
            fail("%s: no PCI device at %s in the guest" % (gpu["id"], bdf))
            continue
        # IORT ID counts are "number of IDs minus one"
        rids = (smmu["bus-nr"] << 8, ((len(smmu["gpus"]) + 1) << 8) - 1)
        base = rid_map.get(rids)
        want_smmu = "smmu3.0x%016x" % base if base is not None else None
        group = dev["iommu_group"]
        members = boot["groups"].get(group, [])
        print("   %s %s (%s): driver %s, numa_node %s, IOMMU group %s %s, %s, ACPI %s" % (
            gpu["id"], bdf, smmu["bus"], dev["driver"], dev["numa_node"], group,
            "alone" if members == [bdf] else "with " + " ".join(members),
            dev["iommu"], dev["acpi"]))
        problems = []
        if dev["driver"] == "-":
            problems.append("no driver bound (no IOMMU group without one)")
        if dev["numa_node"] != str(smmu["numa-node"]):
            problems.append("numa_node %s, its pxb-pcie's is %d" % (
                dev["numa_node"], smmu["numa-node"]))
        if group == "-":
            problems.append("no IOMMU group")
        elif members != [bdf]:
            problems.append("IOMMU group %s shared with %s" % (group, members))
        if want_smmu is None:
            problems.append("the guest's IORT maps no SMMUv3 for RIDs 0x%04x+0x%x"
                            % rids)
        elif dev["iommu"] != want_smmu:
            problems.append("behind %s, the IORT says %s" % (dev["iommu"], want_smmu))
        if problems:
            fail("%s %s: %s" % (gpu["id"], bdf, "; ".join(problems)))
        else:
            ok("%s %s: node %s, own IOMMU group %s, behind %s (its pxb %s)" % (
                gpu["id"], bdf, dev["numa_node"], group, dev["iommu"], smmu["bus"]))


def check_dsdt(vm, boot, workdir):
    mem, _ = srat_entries(boot["tables"]["SRAT"])
    gpus = dsdt_gpus(boot["tables"]["DSDT"], workdir)
    egm = [(s, p, g) for s, p, g in gpus_of(vm) if g.get("egm-node", -1) >= 0]
    print("   DSDT GPU devices: %s" % (", ".join(
        "%s(_ADR 0x%x%s)" % (n, d.get("_ADR", -1), "".join(
            " %s=0x%x" % (k.split(",")[1], v) for k, v in sorted(d.items())
            if k.startswith("nvidia,"))) for n, d in sorted(gpus.items())) or "none"))
    if len(gpus) != len(egm):
        fail("the guest's DSDT has %d GPU devices, the VM %d EGM GPUs" % (
            len(gpus), len(egm)))
        return
    for smmu, p, gpu in egm:
        bdf = "0000:%02x:00.0" % (smmu["bus-nr"] + 1 + p)
        acpi = boot["pci"].get(bdf, {}).get("acpi", "-")
        name = acpi.rsplit(".", 1)[-1]
        dev = gpus.get(name)
        if dev is None:
            fail("%s %s: the guest bound no GPU<n> device to it (firmware_node %s)"
                 % (gpu["id"], bdf, acpi))
            continue
        node = gpu["egm-node"]
        ranges = mem.get(node, [])
        want = {"_ADR": 0, "nvidia,egm-pxm": node}
        if ranges:
            want["nvidia,egm-base-pa"] = ranges[0][0]
            want["nvidia,egm-size"] = ranges[0][1]
        else:
            fail("SRAT has no memory range for EGM node %d" % node)
        diff = ["%s 0x%x, want 0x%x" % (k, dev.get(k, -1), v)
                for k, v in want.items() if dev.get(k) != v]
        if diff:
            fail("%s %s (%s): %s" % (gpu["id"], bdf, acpi, "; ".join(diff)))
        else:
            ok("%s %s is %s: _ADR 0, EGM node %d at 0x%x+0x%x as SRAT says" % (
                gpu["id"], bdf, acpi, node, want["nvidia,egm-base-pa"],
                want["nvidia,egm-size"]))
    if not egm:
        ok("no EGM: no GPU devices in the guest's DSDT")


def without_checksum(table):
    """acpi-dump's tables are QEMU's blobs: the firmware sets the checksum."""
    return table[:9] + b"\0" + table[10:]


def check_srat(boot, srat_dump):
    got = boot["tables"]["SRAT"]
    if sum(got) % 256:
        fail("the guest's SRAT has a bad checksum")
    if without_checksum(got) == without_checksum(srat_dump):
        _, gi = srat_entries(got)
        ok("the guest's SRAT (%d bytes, %d GI entries) is the one acpi-dump "
           "read (byte for byte, the firmware's checksum aside)"
           % (len(got), len(gi)))
        return
    fail("the guest's SRAT differs from acpi-dump's")
    for label, t in (("guest", got), ("acpi-dump", srat_dump)):
        mem, gi = srat_entries(t)
        print("   %s: %d bytes, memory %s, GI %s" % (
            label, len(t), {n: [(hex(b), hex(s)) for b, s in r] for n, r in mem.items()},
            ["%d:%04x:%02x:%02x.%d" % ((e[0],) + e[2:]) for e in gi]))


# Where the firmware puts what it points to: FADT FIRMWARE_CTRL, DSDT,
# X_FIRMWARE_CTRL, X_DSDT (offset, size), and every table's checksum.
FIRMWARE_FIELDS = {"FACP": ((36, 4), (40, 4), (132, 8), (140, 8))}


def as_built(name, table):
    """@table without what the firmware allocated or computed for it."""
    t = bytearray(without_checksum(table))
    for off, size in FIRMWARE_FIELDS.get(name, ()):
        t[off:off + size] = bytes(size)
    return bytes(t)


def check_reset(boots):
    first, second = boots[0], boots[1]
    tables = sorted(set(first["tables"]) | set(second["tables"]))
    changed = [n for n in tables
               if n not in first["tables"] or n not in second["tables"] or
               as_built(n, first["tables"][n]) != as_built(n, second["tables"][n])]
    same_tables = not changed
    facts = ("lists", "nodes", "pci", "iommu", "groups")

    def sysfs(boot, key):
        # a node's MemTotal moves by a few kB from boot to boot
        if key == "nodes":
            return {n: (c, m > 0) for n, (c, m) in boot[key].items()}
        return boot[key]
    same_sysfs = all(sysfs(first, k) == sysfs(second, k) for k in facts)
    if same_tables and same_sysfs:
        ok("after system_reset the guest booted again with the same %d "
           "tables (as QEMU built them: the firmware may place them "
           "elsewhere) and the same NUMA nodes, devices and groups"
           % len(first["tables"]))
        return
    if not same_tables:
        fail("after system_reset these tables changed: %s" % " ".join(changed))
    if not same_sysfs:
        fail("after system_reset the guest's sysfs changed: %s" % " ".join(
            k for k in facts if sysfs(first, k) != sysfs(second, k)))


def check_distances(vm, boot):
    """The guest's node distances are the description's (issue 13): the
    guest took QEMU's SLIT, which Linux ignores when a remote distance is
    10 or less."""
    if "distances" not in vm:
        return
    visible = sorted(i for i in (n["id"] for n in vm["nodes"])
                     if i < MAX_NODES)
    want = {i: [vm["distances"][i][j] for j in visible] for i in visible}
    got = {i: boot["distance"].get(i) for i in visible}
    if got == want:
        ok("distances: the guest's %dx%d are the description's"
           % (len(visible), len(visible)))
    else:
        bad = [i for i in visible if got[i] != want[i]]
        fail("distances of node %d: guest %s, VM %s"
             % (bad[0], got[bad[0]], want[bad[0]]))


def main():
    vm = json.load(open(sys.argv[1]))
    boots = parse_console(sys.argv[2])
    srat_dump = open(sys.argv[3], "rb").read()
    workdir, want_boots = sys.argv[4], int(sys.argv[5])
    complete = [b for b in boots if b.get("complete")]
    if len(complete) < want_boots:
        fail("the console has %d complete boot(s), want %d"
             % (len(complete), want_boots))
        return 1
    boot = boots[0]
    print("   guest kernel %s" % boot["uname"])
    for name in ("SRAT", "IORT", "DSDT"):
        if name not in boot["tables"]:
            fail("the guest has no %s in /sys/firmware/acpi/tables" % name)
            return 1
    check_numa(vm, boot)
    check_distances(vm, boot)
    check_devices(vm, boot, boot["tables"]["IORT"])
    check_dsdt(vm, boot, workdir)
    check_srat(boot, srat_dump)
    if want_boots > 1:
        check_reset(complete)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
