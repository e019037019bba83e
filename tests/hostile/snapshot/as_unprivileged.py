#!/usr/bin/env python3
"""Runs a command as user and group nobody (65534) when started as root, else as is: file
modes keep an unprivileged reader out, never root, and the tests run as root in CI.

Usage: as_unprivileged.py PROGRAM ARGS...
"""
import os
import sys

if len(sys.argv) < 2:
    sys.exit(__doc__)
if os.getuid() == 0:
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
os.execv(sys.argv[1], sys.argv[1:])
