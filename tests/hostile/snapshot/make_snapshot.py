#!/usr/bin/env python3
"""Hostile sysfs snapshots, made at test time (symlink loops, FIFOs and unreadable files do not
belong in git): a copy of tests/cli/snapshots/unbound-queue with one thing broken.

Usage: make_snapshot.py CASE OUT
Under OUT/sys/..., CASE is one of:
  status-busy              card05/05.0004/status holds "busy" (no kernel rendering)
  status-upper-case        card05/05.0004/status holds "IN USE"
  apmask-directory         bus/ap/apmask is a directory
  apmask-symlink-loop      bus/ap/apmask is a symlink to itself
  apmask-dangling          bus/ap/apmask is a symlink to a file that was not captured
  apmask-fifo              bus/ap/apmask is a FIFO (reading it would block)
  apmask-eio               bus/ap/apmask is a symlink to /proc/self/mem, whose read fails (EIO)
  apmask-unreadable        bus/ap/apmask has mode 000 (for a run as an unprivileged user)
  matrix-unreadable        devices/vfio_ap/matrix has mode 000 (likewise)
  matrix-is-a-file         devices/vfio_ap/matrix is a regular file
  matrix-symlink-loop      devices/vfio_ap/matrix is a symlink to itself
  mdev-is-a-file           the mdev's directory is a regular file
  guest-matrix-directory   the mdev's guest_matrix is a directory
  queue-symlink-loop       bus/ap/devices/card05/05.0004 is a symlink to itself
  card-is-a-file           bus/ap/devices/card06 is a regular file
  driver-directory         card05/05.0004/driver is a directory (cp -L of the driver link)
  driver-garbage           card05/05.0004/driver holds "vfio_ap extra"
  features-lower-case      bus/ap/features holds "apsc apxa"
"""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.join(HERE, "..", "..", "cli", "snapshots", "unbound-queue")
UUID = "11111111-1111-1111-1111-111111111111"


def replace_with_file(path, content=""):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)
    with open(path, "w") as f:
        f.write(content)


def replace_with_symlink(path, target):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)
    os.symlink(target, path)


def remove_tree(path):
    """rmtree that first undoes a previous run's mode 000 directories."""
    os.chmod(path, 0o755)
    for dirpath, dirnames, _ in os.walk(path):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            if not os.path.islink(p):
                os.chmod(p, 0o755)
    shutil.rmtree(path)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    case, out = sys.argv[1], sys.argv[2]
    if os.path.lexists(out):
        remove_tree(out)
    shutil.copytree(BASE, out, symlinks=True)
    sys_ = os.path.join(out, "sys")
    bus = os.path.join(sys_, "bus", "ap")
    queue = os.path.join(bus, "devices", "card05", "05.0004")
    matrix = os.path.join(sys_, "devices", "vfio_ap", "matrix")
    mdev = os.path.join(matrix, UUID)
    if case == "status-busy":
        replace_with_file(os.path.join(queue, "status"), "busy\n")
    elif case == "status-upper-case":
        replace_with_file(os.path.join(queue, "status"), "IN USE\n")
    elif case == "apmask-directory":
        os.remove(os.path.join(bus, "apmask"))
        os.mkdir(os.path.join(bus, "apmask"))
    elif case == "apmask-symlink-loop":
        replace_with_symlink(os.path.join(bus, "apmask"), "apmask")
    elif case == "apmask-dangling":
        replace_with_symlink(os.path.join(bus, "apmask"), "../../class/not-captured/apmask")
    elif case == "apmask-fifo":
        os.remove(os.path.join(bus, "apmask"))
        os.mkfifo(os.path.join(bus, "apmask"))
    elif case == "apmask-eio":
        replace_with_symlink(os.path.join(bus, "apmask"), "/proc/self/mem")
    elif case == "apmask-unreadable":
        os.chmod(os.path.join(bus, "apmask"), 0)
    elif case == "matrix-unreadable":
        os.chmod(matrix, 0)
    elif case == "matrix-is-a-file":
        replace_with_file(matrix, "")
    elif case == "matrix-symlink-loop":
        replace_with_symlink(matrix, "matrix")
    elif case == "mdev-is-a-file":
        replace_with_file(mdev, "")
    elif case == "guest-matrix-directory":
        os.remove(os.path.join(mdev, "guest_matrix"))
        os.mkdir(os.path.join(mdev, "guest_matrix"))
    elif case == "queue-symlink-loop":
        replace_with_symlink(queue, "05.0004")
    elif case == "card-is-a-file":
        replace_with_file(os.path.join(bus, "devices", "card06"), "")
    elif case == "driver-directory":
        os.remove(os.path.join(queue, "driver"))
        os.mkdir(os.path.join(queue, "driver"))
        replace_with_file(os.path.join(queue, "driver", "bind"), "")
    elif case == "driver-garbage":
        replace_with_file(os.path.join(queue, "driver"), "vfio_ap extra\n")
    elif case == "features-lower-case":
        replace_with_file(os.path.join(bus, "features"), "apsc apxa\n")
    else:
        sys.exit("make_snapshot.py: unknown case '%s'\n%s" % (case, __doc__))


if __name__ == "__main__":
    main()
