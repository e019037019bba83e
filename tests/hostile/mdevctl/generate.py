#!/usr/bin/env python3
"""Large hostile mdevctl inputs, generated at test time rather than committed (issue 13).

Usage: generate.py KIND OUT
  deep-open        60,000 bytes of '[' (the nesting that took the old reader 15 s and 1.9 GB)
  deep-closed      30,000 '[' then 30,000 ']': well-formed, 30,000 levels deep
  devices-20000    `mdevctl list --dumpjson` with 20,000 vfio_ap devices of parent "matrix",
                   each assigning its own APQN (adapter i % 256, domain i // 256) and a control
                   domain, so every start succeeds on the ideal host; the last UUID is
                   00004e1f-0000-4000-8000-000000004e1f
  attrs-100000     one config with an adapter and 100,000 assign_domain attributes
"""
import json
import sys


def uuid(i):
    return "%08x-0000-4000-8000-%012x" % (i, i)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "deep-open":
        text = "[" * 60000
    elif kind == "deep-closed":
        text = "[" * 30000 + "]" * 30000
    elif kind == "devices-20000":
        devices = []
        for i in range(20000):
            attrs = [{"assign_adapter": str(i % 256)}, {"assign_domain": "0x%x" % (i // 256)},
                     {"assign_control_domain": str(i % 256)}]
            devices.append({uuid(i): {"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": attrs}})
        text = json.dumps([{"matrix": devices}], indent=2)
    elif kind == "attrs-100000":
        attrs = [{"assign_adapter": "5"}] + [{"assign_domain": str(i % 256)} for i in range(100000)]
        text = json.dumps({"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": attrs}, indent=2)
    else:
        sys.exit("generate.py: unknown kind '%s'\n%s" % (kind, __doc__))
    with open(out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
