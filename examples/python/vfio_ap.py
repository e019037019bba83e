#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the apcb authors
"""A small, independent implementation of the s390 vfio_ap matrix mdev, driven by apcb traces.

It is the worked example of docs/checking-an-implementation.md: an implementation written
from the public descriptions (docs/trace-format.md, the kernel's vfio-ap.rst as summarised in
SPEC.md and kernel-vfio-ap.md), checked against apcb, the reference.

Protocol (sut/README.md): read an apcb trace on standard input (normally written without
expectations by `apcb gen --no-expect`), execute every step on a fresh host, and write the
same trace to standard output with this implementation's observation after each step:

    = RESULT            0 or an errno name
    | TEXT              each line of a read's output
    commit guest=G ...  each APCB committed to a guest's CRYCB, in order
    reset XX.YYYY       each queue reset (ZAPQ), in order

A step written back without a `=` line means "cannot comply": this implementation does not
implement that operation kind, and the step is not compared. Cannot comply here:

    vcpu read G         (this implementation models the CRYCB's contents, not the vCPUs
                         that read it; the commits already show every APCB written)
    vcpu pqap G aqic    (the same: no vCPUs, so no PQAP interception)
    .../driver_override (Linux 6.19's queue device driver_override is not implemented)
    host reset-response XX.YYYY RC,RC,...
                        (a sequence of answers per reset; one answer per queue is)

Everything else is implemented: host init/config (QCI changes with the bus scan), queue
reset responses, AP bus apmask/aqmask (absolute and relative syntax, the in-use veto), queue
bind/unbind for vfio_ap and the default driver, mdev create/remove, the six assign/unassign
attributes, ap_config (read and write), VFIO open/close/request/reset, the shadow APCB with
its full filter, hot plug/unplug commits and queue resets, and the reads matrix,
guest_matrix, control_domains, ap_config, apmask/aqmask, queue status and features.

Two deliberate bugs, both ON by default (each a mistake the real driver once made):

    request-keeps-apcb
                   The VFIO release request (the host asks the guest to give the device back)
                   only notifies; the guest keeps its queues until it closes the device. The
                   driver behaved so until a 2025 fix made the request clear the guest's APCB
                   at once (kernel-vfio-ap.md §4.1, "VFIO request (release)").
    cdom-stays
                   A host configuration change that removes control domains leaves them in
                   the shadow (and in the guest): the removed set was computed as
                   "removed minus assigned" instead of "removed and assigned". Linux 6.0's
                   vfio_ap_on_cfg_changed had this bug (kernel-vfio-ap.md §4.2).

    --fixed          turn both off (then the implementation conforms on apcb gen traces)
    --fix BUG        turn one off (repeatable)
    --list-bugs      print the bugs' names

Usage (docs/checking-an-implementation.md walks through it):

    apcb gen --seed 1 --ops 100 --no-expect > t.trace
    apcb check --sut-cmd 'python3 examples/python/vfio_ap.py' t.trace
    apcb shrink --sut-cmd 'python3 examples/python/vfio_ap.py' t.trace > small.trace
    python3 examples/python/vfio_ap.py --fixed < t.trace | apcb check -

Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

BUGS = ("request-keeps-apcb", "cdom-stays")

# --------------------------------------------------------------------------------------------
# Constants of the interface

MATRIX = "/sys/devices/vfio_ap/matrix/"
CREATE = MATRIX + "mdev_supported_types/vfio_ap-passthrough/create"
BUS = "/sys/bus/ap/"
DRIVERS = {BUS + "drivers/vfio_ap/": "vfio_ap", BUS + "drivers/cex4queue/": "default"}
ERRNOS = {"EPERM", "ENOENT", "EIO", "ENOMEM", "EBUSY", "EEXIST", "ENODEV", "EINVAL",
          "ERANGE", "EADDRINUSE", "EADDRNOTAVAIL"}
ALL_IDS = frozenset(range(256))

# AP queue reset response codes
NORMAL, DECONFIGURED, CHECKSTOPPED = 0x00, 0x03, 0x04
PASSABLE = {NORMAL, DECONFIGURED, CHECKSTOPPED}      # may reach a guest after such a reset
TRANSIENT = {0x02, 0x05, 0x0A}  # reset still in progress: the driver polls until it ends NORMAL


class Errno(Exception):
    """An operation failed with this errno; nothing has been changed yet."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


# --------------------------------------------------------------------------------------------
# Masks. Sets of IDs 0..255 internally; the kernel's text form is MSB-0: 64 hex digits, the
# leftmost bit is ID 0.

def mask_hex(ids) -> str:
    value = 0
    for i in ids:
        value |= 1 << (255 - i)
    return "0x%064x" % value


def parse_hex_mask(field: str) -> set[int]:
    """ap_hex2bitmap: optional 0x, at most 64 hex digits (short input padded on the right),
    one optional newline."""
    if field.startswith("0x"):
        field = field[2:]
    elif field.startswith("x"):
        field = field[1:]
    ids: set[int] = set()
    i = 0
    while i < len(field) and field[i] in "0123456789abcdefABCDEF":
        if i == 64:
            raise Errno("EINVAL")
        digit = int(field[i], 16)
        ids.update(4 * i + j for j in range(4) if digit & (8 >> j))
        i += 1
    rest = field[i:]
    if rest not in ("", "\n"):
        raise Errno("EINVAL")
    return ids


def c_string(data: str) -> str:
    """sysfs stores see a C string: an embedded NUL ends the input."""
    return data.split("\0", 1)[0]


def read_number(s: str) -> tuple[int, int]:
    """The kernel's base-0 number reader: (value, characters consumed); consumed is 0 when
    there is no digit. '0x' is a prefix only when a hex digit follows, a lone 0 starts octal."""
    base, pos = 10, 0
    if s.startswith("0"):
        if len(s) >= 3 and s[1] in "xX" and s[2] in "0123456789abcdefABCDEF":
            base, pos = 16, 2
        else:
            base = 8
    start, value = pos, 0
    while pos < len(s):
        try:
            d = int(s[pos], 16)
        except ValueError:
            break
        if d >= base:
            break
        value = value * base + d
        pos += 1
    return value, (pos if pos > start else 0)


def kstrtoul(data: str) -> int:
    s = c_string(data)
    if s.startswith("+"):
        s = s[1:]
    value, used = read_number(s)
    if value >= 1 << 64:
        raise Errno("ERANGE")
    if used == 0:
        raise Errno("EINVAL")
    if s[used:] not in ("", "\n"):
        raise Errno("EINVAL")
    return value


def parse_bus_mask(data: str, current: set[int]) -> set[int]:
    """apmask/aqmask: an absolute hex mask, or relative terms +a, -b, +c-d (comma separated)."""
    s = c_string(data)
    if not s or s[0] not in "+-":
        return parse_hex_mask(s)
    ids = set(current)
    pos = 0
    while pos < len(s):
        sign = s[pos]
        pos += 1
        if sign not in "+-":
            raise Errno("EINVAL")
        first, used = read_number(s[pos:])
        first %= 1 << 64                   # no overflow detection: the value wraps
        if used == 0 or first >= 256:
            raise Errno("EINVAL")
        pos += used
        last = first
        if pos < len(s) and s[pos] == "-":
            pos += 1
            last, used = read_number(s[pos:])
            last %= 1 << 64
            if used == 0 or last < first or last >= 256:
                raise Errno("EINVAL")
            pos += used
        for i in range(first, last + 1):
            (ids.add if sign == "+" else ids.discard)(i)
        while pos < len(s) and s[pos] in ",\n":
            pos += 1
    return ids


def parse_ap_config(data: str) -> "Matrix":
    """ap_config store: 'apm,aqm,adm' hex masks; the kernel keeps at most 201 bytes and splits
    on ',' or newline."""
    rest: str | None = c_string(data[:3 * (64 + 3)])
    fields = []
    for _ in range(3):
        if rest is None:
            raise Errno("EINVAL")
        cut = min((i for i in (rest.find(","), rest.find("\n")) if i >= 0), default=-1)
        if cut < 0:
            fields.append(rest)
            rest = None
        else:
            fields.append(rest[:cut])
            rest = rest[cut + 1:]
    return Matrix(*(parse_hex_mask(f) for f in fields))


def valid_uuid(text: str) -> bool:
    if len(text) != 36:
        return False
    for i, c in enumerate(text):
        if i in (8, 13, 18, 23):
            if c != "-":
                return False
        elif c not in "0123456789abcdefABCDEF":
            return False
    return True


# --------------------------------------------------------------------------------------------
# The host

@dataclass
class Matrix:
    adapters: set[int] = field(default_factory=set)
    domains: set[int] = field(default_factory=set)
    control: set[int] = field(default_factory=set)

    def copy(self) -> "Matrix":
        return Matrix(set(self.adapters), set(self.domains), set(self.control))

    def queues(self):
        return [(a, d) for a in sorted(self.adapters) for d in sorted(self.domains)]


@dataclass
class Guest:
    number: int
    msax3: bool
    apcb: Matrix = field(default_factory=Matrix)


@dataclass
class Mdev:
    uuid: str
    matrix: Matrix = field(default_factory=Matrix)   # what the administrator assigned
    shadow: Matrix = field(default_factory=Matrix)   # what the guest gets (guest_matrix)
    pending: Matrix = field(default_factory=Matrix)  # assigned IDs the host just added
    guest: int | None = None


class Host:
    def __init__(self, apxa: bool, na: int, nd: int, cfg: Matrix, bugs: set[str]):
        self.apxa, self.na, self.nd = apxa, na, nd
        self.cfg = cfg
        self.bugs = bugs
        self.apmask = set(ALL_IDS)          # everything belongs to the default driver at boot
        self.aqmask = set(ALL_IDS)
        self.unbound: set[tuple[int, int]] = set()    # queues unbound by hand
        self.hw_answer: dict[tuple[int, int], int] = {}  # what a reset of the queue answers
        self.status: dict[tuple[int, int], int] = {}     # last reset status of vfio_ap's queue
        self.mdevs: list[Mdev] = []         # creation order
        self.guests: dict[int, Guest] = {}
        self.events: list[str] = []         # commits and resets of the current operation

    # --- limits: the sysfs range checks and the bus scan's reach
    def max_adapter(self) -> int:
        return self.na if self.apxa else 63

    def max_domain(self) -> int:
        return self.nd if self.apxa else 15

    def bus_adapters(self) -> list[int]:
        top = self.na if self.apxa and self.na else 63
        return sorted(a for a in self.cfg.adapters if a <= top)

    def bus_domains(self) -> list[int]:
        top = self.nd if self.apxa and self.nd else 15
        return sorted(d for d in self.cfg.domains if d <= top)

    # --- queue devices and their drivers
    def present(self, q) -> bool:
        return q[0] in self.bus_adapters() and q[1] in self.bus_domains()

    def reserved(self, q) -> bool:
        return q[0] in self.apmask and q[1] in self.aqmask

    def driver(self, q) -> str | None:
        if not self.present(q) or q in self.unbound:
            return None
        return "default" if self.reserved(q) else "vfio_ap"

    def owner(self, q) -> Mdev | None:
        for m in self.mdevs:
            if q[0] in m.matrix.adapters and q[1] in m.matrix.domains:
                return m
        return None

    def linked(self, m: Mdev, q) -> bool:
        return (q[0] in m.matrix.adapters and q[1] in m.matrix.domains
                and self.driver(q) == "vfio_ap")

    def linked_queues(self, m: Mdev):
        return [q for q in m.matrix.queues() if self.linked(m, q)]

    def find(self, uuid: str) -> Mdev:
        for m in self.mdevs:
            if m.uuid == uuid:
                return m
        raise Errno("ENOENT")

    # --- what the guest sees
    def commit(self, m: Mdev, apcb: Matrix | None = None):
        """Write a complete APCB (the shadow, or `apcb`) into the attached guest's CRYCB."""
        if m.guest is None:
            return
        g = self.guests[m.guest]
        apcb = (apcb or m.shadow).copy()
        if not (g.msax3 and self.apxa):          # CRYCB format 0/1: APCB0 is 64/16/16 bits
            apcb = Matrix({a for a in apcb.adapters if a < 64},
                          {d for d in apcb.domains if d < 16},
                          {c for c in apcb.control if c < 16})
        g.apcb = apcb
        self.events.append("commit guest=%d adapters=%s domains=%s control=%s" % (
            g.number, idset(apcb.adapters, 2), idset(apcb.domains, 4), idset(apcb.control, 4)))

    def reset(self, queues):
        for q in sorted(queues):
            self.events.append("reset %02x.%04x" % q)
            answer = self.hw_answer.get(q, NORMAL)
            self.status[q] = NORMAL if answer in TRANSIENT else answer

    # --- the filter: an adapter reaches the guest only if every one of its queues in the
    # guest's domains is bound to vfio_ap and passable. Domains are never filtered.
    def adapter_ok(self, m: Mdev, a: int, domains) -> bool:
        return all(self.linked(m, (a, d)) and self.status.get((a, d), NORMAL) in PASSABLE
                   for d in domains)

    def filter(self, m: Mdev, queues=True, control=False) -> bool:
        """Recompute the shadow: its adapters and domains (queues) and/or its control domains;
        commit if the shadow changed, then reset the queues of adapters that the filter took
        out of the guest. Returns whether it changed."""
        before, dropped = m.shadow.copy(), set()
        if queues:
            adapters = m.matrix.adapters & self.cfg.adapters
            domains = m.matrix.domains & self.cfg.domains
            ok = {a for a in adapters if self.adapter_ok(m, a, domains)}
            dropped = (adapters & before.adapters) - ok
            m.shadow.adapters, m.shadow.domains = ok, domains
        if control:
            m.shadow.control = m.matrix.control & self.cfg.control
        return self.after_filter(m, before, dropped)

    def after_filter(self, m: Mdev, before: Matrix, dropped: set[int]) -> bool:
        if m.shadow == before:
            return False
        self.commit(m)
        self.reset(q for q in self.linked_queues(m)
                   if q[0] in dropped and q[1] in m.shadow.domains)
        return True

    def unplug(self, m: Mdev, adapters=frozenset(), domains=frozenset()):
        """Hot unplug: take the IDs out of the shadow, commit, then reset the queues the guest
        had (the guest must lose a queue before it is zeroized)."""
        had = [q for q in self.linked_queues(m)
               if q[0] in m.shadow.adapters and q[1] in m.shadow.domains
               and (q[0] in adapters or q[1] in domains)]
        before = m.shadow.copy()
        m.shadow.adapters -= adapters
        m.shadow.domains -= domains
        if m.shadow != before:
            self.commit(m)
        self.reset(had)

    # --- queue probe and removal (bind/unbind, bus masks, host configuration)
    def probe(self, q):
        self.status.pop(q, None)             # a fresh queue object
        m = self.owner(q)
        if m is not None and not (m.pending.adapters or m.pending.domains):
            self.filter(m)

    def remove(self, q):
        m = self.owner(q)
        if m is not None and q[0] in m.shadow.adapters and q[1] in m.shadow.domains:
            # An APCB cannot drop one queue: the whole adapter leaves the guest.
            m.shadow.adapters.discard(q[0])
            self.commit(m)
            self.reset((q[0], d) for d in m.shadow.domains if self.linked(m, (q[0], d)))
        elif self.present(q):                # a reset of a deconfigured queue would fail
            self.reset([q])
        self.status.pop(q, None)

    # ------------------------------------------------------------------------------------
    # Operations. Each returns the read's text (or None) and raises Errno on failure.

    def host_config(self, cur: Matrix):
        prev = self.cfg
        leaving = [q for q in prev.queues() if q not in cur.queues() and self.present(q)
                   and self.driver(q) == "vfio_ap"]
        arriving = [q for q in cur.queues()]
        # on_config_changed: removals leave every shadow now (newest mdev first)
        gone = Matrix(prev.adapters - cur.adapters, prev.domains - cur.domains,
                      prev.control - cur.control)
        new = Matrix(cur.adapters - prev.adapters, cur.domains - prev.domains,
                     cur.control - prev.control)
        for m in reversed(self.mdevs):
            before = m.shadow.copy()
            m.shadow.adapters -= gone.adapters & m.matrix.adapters
            m.shadow.domains -= gone.domains & m.matrix.domains
            if "cdom-stays" in self.bugs:
                m.shadow.control -= gone.control - m.matrix.control   # BUG cdom-stays
            else:
                m.shadow.control -= gone.control & m.matrix.control
            if m.shadow != before:
                self.commit(m)
            m.pending = Matrix(new.adapters & m.matrix.adapters, new.domains & m.matrix.domains,
                               new.control & m.matrix.control)
        old_present = {q for q in prev.queues() if self.present(q)}
        self.cfg = cur
        # the bus scan: queue devices of removed APQNs go, new ones are probed
        for q in leaving:
            self.remove(q)
        self.unbound = {q for q in self.unbound
                        if q[0] in cur.adapters and q[1] in cur.domains}
        for q in arriving:
            if self.present(q) and q not in old_present:
                self.unbound.discard(q)
                if self.driver(q) == "vfio_ap":
                    self.probe(q)
        # on_scan_complete: filter the mdevs that got assigned IDs back (newest first)
        for m in reversed(self.mdevs):
            p, m.pending = m.pending, Matrix()
            if p.adapters or p.domains or p.control:
                self.filter(m, queues=bool(p.adapters or p.domains), control=bool(p.control))

    def bus_mask_write(self, which: str, data: str):
        current = self.apmask if which == "apmask" else self.aqmask
        new = parse_bus_mask(data, current)
        taken = new - current
        if taken:                             # the in_use veto (Linux 6.19, 6917f434fda3):
            for m in self.mdevs:              # the newly set IDs, with an all-ones other mask
                ids = m.matrix.adapters if which == "apmask" else m.matrix.domains
                if ids & taken and m.matrix.adapters and m.matrix.domains:
                    raise Errno("EBUSY")
        apm = new if which == "apmask" else self.apmask
        aqm = self.aqmask if which == "apmask" else new
        to_default, to_vfio = [], []
        for a in self.bus_adapters():
            for d in self.bus_domains():
                now, host_owns = self.driver((a, d)), a in apm and d in aqm
                if now == "vfio_ap" and host_owns:
                    to_default.append((a, d))
                if now == "default" and not host_owns:
                    to_vfio.append((a, d))
        for q in to_default:
            self.remove(q)
        setattr(self, which, new)
        for q in to_vfio:
            self.probe(q)

    def bind(self, q, drv: str):
        if not self.present(q):
            raise Errno("ENODEV")
        if self.driver(q) is not None:
            raise Errno("EBUSY")
        if (drv == "default") != self.reserved(q):
            raise Errno("ENODEV")
        self.unbound.discard(q)
        if drv == "vfio_ap":
            self.probe(q)

    def unbind(self, q, drv: str):
        if self.driver(q) != drv:
            raise Errno("ENODEV")
        if drv == "vfio_ap":
            self.remove(q)
        self.unbound.add(q)

    def create(self, uuid: str):
        if not valid_uuid(uuid):
            raise Errno("EINVAL")
        uuid = uuid.lower()
        if any(m.uuid == uuid for m in self.mdevs):
            raise Errno("EEXIST")
        self.mdevs.append(Mdev(uuid))

    def remove_mdev(self, uuid: str):
        m = self.find(uuid)
        if m.guest is not None:
            raise Errno("EBUSY")
        self.reset(self.linked_queues(m))
        self.mdevs.remove(m)

    def check_assignable(self, m: Mdev, new: Matrix):
        if new.adapters & self.apmask and new.domains & self.aqmask:
            raise Errno("EADDRNOTAVAIL")     # some queue belongs to the host's drivers
        for other in self.mdevs:
            if other is not m and new.adapters & other.matrix.adapters \
                    and new.domains & other.matrix.domains:
                raise Errno("EADDRINUSE")    # some queue belongs to another mdev

    def attribute(self, uuid: str, name: str, data: str):
        m = self.find(uuid)
        if name == "ap_config":
            return self.write_ap_config(m, parse_ap_config(data))
        kind = name.split("_", 1)[1]         # adapter, domain, control_domain
        top = self.max_adapter() if kind == "adapter" else self.max_domain()
        i = kstrtoul(data)
        if i > top:
            raise Errno("ENODEV")
        assign = name.startswith("assign")
        if kind == "control_domain":
            if assign and i not in m.matrix.control:
                m.matrix.control.add(i)
                self.filter(m, queues=False, control=True)
            elif not assign and i in m.matrix.control:
                m.matrix.control.discard(i)
                if i in m.shadow.control:
                    m.shadow.control.discard(i)
                    self.commit(m)
            return
        ids = m.matrix.adapters if kind == "adapter" else m.matrix.domains
        if assign and i not in ids:
            new = m.matrix.copy()
            (new.adapters if kind == "adapter" else new.domains).add(i)
            self.check_assignable(m, new)
            ids.add(i)
            self.filter(m)
        elif not assign and i in ids:
            if kind == "adapter":
                self.unplug(m, adapters={i})
            else:
                self.unplug(m, domains={i})
            ids.discard(i)

    def write_ap_config(self, m: Mdev, new: Matrix):
        self.check_assignable(m, new)
        if any(a > self.max_adapter() for a in new.adapters) or \
                any(d > self.max_domain() for d in new.domains | new.control):
            raise Errno("ENODEV")
        self.unplug(m, adapters=m.matrix.adapters - new.adapters)
        self.unplug(m, domains=m.matrix.domains - new.domains)
        m.matrix = new.copy()
        self.filter(m, control=True)

    def guest_create(self, n: int, msax3: bool):
        if n in self.guests:
            raise Errno("EEXIST")
        self.guests[n] = Guest(n, msax3)

    def vfio_open(self, uuid: str, n: int):
        m = self.find(uuid)
        if n not in self.guests:
            raise Errno("ENOENT")
        if m.guest is not None:
            raise Errno("EBUSY")
        if any(o.guest == n for o in self.mdevs):
            raise Errno("EPERM")
        m.guest = n
        self.commit(m)

    def vfio_close(self, uuid: str):
        m = self.find(uuid)
        if m.guest is None:
            raise Errno("EINVAL")
        self.commit(m, Matrix())
        self.reset(self.linked_queues(m))
        m.guest = None

    def vfio_request(self, uuid: str):
        m = self.find(uuid)
        if m.guest is None:
            raise Errno("EINVAL")
        if "request-keeps-apcb" in self.bugs:
            return                            # BUG request-keeps-apcb: only notify user space
        self.commit(m, Matrix())

    def vfio_reset(self, uuid: str):
        m = self.find(uuid)
        queues = self.linked_queues(m)
        self.reset(queues)
        if any(self.status.get(q, NORMAL) != NORMAL for q in queues):
            raise Errno("EIO")               # after the resets: they stay (a completed op)

    # --- reads
    def show_matrix(self, mx: Matrix) -> str:
        adapters = sorted(a for a in mx.adapters if a <= self.max_adapter())
        domains = sorted(d for d in mx.domains if d <= self.max_domain())
        if adapters and domains:
            return "".join("%02x.%04x\n" % (a, d) for a in adapters for d in domains)
        return "".join(["%02x.\n" % a for a in adapters] + [".%04x\n" % d for d in domains])

    def read(self, uuid: str, name: str) -> str:
        m = self.find(uuid)
        if name == "matrix":
            return self.show_matrix(m.matrix)
        if name == "guest_matrix":
            return self.show_matrix(m.shadow)
        if name == "control_domains":
            return "".join("%04x\n" % c for c in sorted(m.matrix.control)
                           if c <= self.max_domain())
        if name == "ap_config":
            return "%s,%s,%s\n" % (mask_hex(m.matrix.adapters), mask_hex(m.matrix.domains),
                                   mask_hex(m.matrix.control))
        raise Errno("EINVAL")

    def queue_status(self, q) -> str:
        if self.driver(q) != "vfio_ap":
            raise Errno("ENOENT")
        m = self.owner(q)
        if m is None:
            return "unassigned\n"
        if m.guest is not None and q[0] in m.shadow.adapters and q[1] in m.shadow.domains:
            return "in use\n"
        return "assigned\n"


# --------------------------------------------------------------------------------------------
# The trace

def idset(ids, width: int) -> str:
    return ",".join("%0*x" % (width, i) for i in sorted(ids)) or "-"


def parse_idset(text: str) -> set[int]:
    ids: set[int] = set()
    if text == "-":
        return ids
    for item in text.split(","):
        lo, _, hi = item.partition("-")
        ids.update(range(int(lo, 16), int(hi or lo, 16) + 1))
    return ids


def parse_fields(words: list[str]) -> dict[str, str]:
    return dict(w.split("=", 1) for w in words)


def parse_matrix(f: dict[str, str]) -> Matrix:
    return Matrix(parse_idset(f["adapters"]), parse_idset(f["domains"]),
                  parse_idset(f["control"]))


def parse_apqn(text: str) -> tuple[int, int]:
    a, d = text.strip().split(".")
    if len(a) != 2 or len(d) != 4:
        raise ValueError("queue name like 05.0004 expected: " + text)
    return int(a, 16), int(d, 16)


def unescape_printf(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "%" and body[i + 1:i + 2] == "%":
            out.append("%")
            i += 2
        elif c == "\\":
            e = body[i + 1]
            i += 2
            if e == "x":
                digits = ""
                while len(digits) < 2 and i < len(body) and body[i] in "0123456789abcdefABCDEF":
                    digits += body[i]
                    i += 1
                out.append(chr(int(digits, 16)))
            else:
                out.append({"n": "\n", "t": "\t", "\\": "\\"}[e])
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_write(line: str) -> tuple[str, str]:
    """An echo/printf line: (bytes written, path)."""
    if line.startswith("printf '"):
        close = line.index("'", 8)
        body, rest = line[8:close], line[close + 1:].split()
        return unescape_printf(body), rest[1]
    words = line.split()
    if words[1] == "-n":
        return words[2], words[4]
    return words[1] + "\n", words[3]


def execute(host: Host, line: str):
    """Run one step. Returns its text output (None for none), raises Errno; returns the
    string 'cannot comply' for an operation kind this implementation does not implement."""
    words = line.split()
    if words[0] == "host" and words[1] == "config":
        return host.host_config(parse_matrix(parse_fields(words[2:])))
    if words[0] == "host" and words[1] == "reset-response":
        # A sequence of answers (RC,RC,...: each instruction of one reset) is not implemented
        # here; one answer is what every reset of the queue ends with.
        if "," in words[3]:
            return "cannot comply"
        q, answer = parse_apqn(words[2]), int(words[3], 0)
        if answer == NORMAL:
            host.hw_answer.pop(q, None)
        else:
            host.hw_answer[q] = answer
        return None
    if words[0] == "guest" and words[1] == "create":
        return host.guest_create(int(words[2]), parse_fields(words[3:])["msax3"] == "1")
    if words[0] == "vfio":
        uuid = words[2]
        if words[1] == "open":
            return host.vfio_open(uuid, int(parse_fields(words[3:])["guest"]))
        return {"close": host.vfio_close, "request": host.vfio_request,
                "reset": host.vfio_reset}[words[1]](uuid)
    if words[0] == "vcpu":
        return "cannot comply"
    # The queue device's driver_override (Linux 6.19) is not implemented here.
    if words[-1].startswith(BUS + "devices/") and words[-1].endswith("/driver_override"):
        return "cannot comply"
    if words[0] == "cat":
        path = words[1]
        if path in (BUS + "apmask", BUS + "aqmask"):
            return mask_hex(host.apmask if path.endswith("apmask") else host.aqmask) + "\n"
        if path.startswith(BUS + "devices/card"):
            return host.queue_status(parse_apqn(path.split("/")[-2]))
        if path == MATRIX + "features":
            return "guest_matrix hotplug ap_config\n"
        uuid, name = path[len(MATRIX):].split("/")
        return host.read(uuid, name)
    data, path = parse_write(line)
    if path == CREATE:
        return host.create(data[:-1] if data.endswith("\n") else data)
    if path in (BUS + "apmask", BUS + "aqmask"):
        return host.bus_mask_write(path[len(BUS):], data)
    for prefix, drv in DRIVERS.items():
        if path.startswith(prefix):
            q = parse_apqn(data)
            return host.bind(q, drv) if path.endswith("/bind") else host.unbind(q, drv)
    uuid, name = path[len(MATRIX):].split("/")
    if name == "remove":
        return host.remove_mdev(uuid)
    return host.attribute(uuid, name, data)


EXPECTATION = ("=", "|", "commit ", "reset ")


def run(lines, out, bugs: set[str]) -> None:
    host = None
    for n, raw in enumerate(lines, 1):
        line = raw.rstrip("\n").rstrip("\r")
        stripped = line.strip()
        if stripped.startswith(EXPECTATION):
            continue                          # we write our own observations
        out.write(line + "\n")
        if not stripped or stripped.startswith("#") or stripped.startswith("apcb-trace"):
            continue
        try:
            if stripped.startswith("host init"):
                f = parse_fields(stripped.split()[2:])
                host = Host(f["apxa"] == "1", int(f["na"], 0), int(f["nd"], 0),
                            parse_matrix(f), bugs)
                continue
            host.events = []
            try:
                output = execute(host, stripped)
                result = "0"
            except Errno as e:
                output, result = None, e.name
                if e.name != "EIO":           # a failure changes nothing: no events
                    host.events = []
            if output == "cannot comply":
                continue
        except (ValueError, KeyError, IndexError, AttributeError) as e:
            sys.stderr.write("<stdin>:%d: cannot read this step (%s): %s\n" % (n, e, line))
            sys.exit(2)
        out.write("= %s\n" % result)
        for text in (output or "").splitlines():
            out.write(("| " + text if text else "|") + "\n")
        for event in host.events:
            out.write(event + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixed", action="store_true", help="turn off both deliberate bugs")
    ap.add_argument("--fix", action="append", default=[], choices=BUGS,
                    help="turn off one deliberate bug (repeatable)")
    ap.add_argument("--list-bugs", action="store_true", help="print the bugs' names and exit")
    args = ap.parse_args()
    if args.list_bugs:
        print("\n".join(BUGS))
        return
    bugs = set() if args.fixed else set(BUGS) - set(args.fix)
    run(sys.stdin, sys.stdout, bugs)


if __name__ == "__main__":
    main()
