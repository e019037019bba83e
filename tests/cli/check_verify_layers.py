#!/usr/bin/env python3
"""Checks the wall time per layer of `apcb verify --json` (README "apcb verify --json").

Usage: check_verify_layers.py VERIFY.json

`layers` must list proofs, property, fuzz, conformance and records in that order, each with a
boolean `skipped` (true exactly for the layers in `skipped_layers`) and a number
`wall_seconds` >= 0 (0 when skipped); a layer's wall time is at least its longest item's
seconds, and, for the layers that run their items one after the other (property, fuzz,
conformance), at least their sum; the layers add up to no more than the total `wall_seconds`.
Prints "verify layers ok: ..." and exits 0, or prints each failure and exits 1.
"""
import json
import sys

ORDER = ["proofs", "property", "fuzz", "conformance", "records"]
SEQUENTIAL = {"property", "fuzz", "conformance"}
EPS = 1e-3  # the JSON has full precision; this is the clock-reading slack between nested timers


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        j = json.load(f)
    errors = []
    total = j.get("wall_seconds")
    if not is_number(total) or total < 0:
        errors.append(f"wall_seconds is not a number >= 0: {total!r}")
        total = None
    layers = j.get("layers")
    if not isinstance(layers, list):
        errors.append(f"layers is not a list: {layers!r}")
        layers = []
    names = [l.get("layer") if isinstance(l, dict) else None for l in layers]
    if names != ORDER:
        errors.append(f"layers are {names}, want {ORDER}")
    skipped_layers = set(j.get("skipped_layers", []))
    items = j.get("items", [])
    layer_sum = 0.0
    for l in layers:
        if not isinstance(l, dict):
            continue
        name, secs, skipped = l.get("layer"), l.get("wall_seconds"), l.get("skipped")
        if not is_number(secs) or secs < 0:
            errors.append(f"{name}: wall_seconds is not a number >= 0: {secs!r}")
            continue
        if not isinstance(skipped, bool):
            errors.append(f"{name}: skipped is not a boolean: {skipped!r}")
            continue
        if skipped != (name in skipped_layers):
            errors.append(f"{name}: skipped is {skipped}, but skipped_layers is {sorted(skipped_layers)}")
        if skipped and secs != 0:
            errors.append(f"{name}: skipped, yet wall_seconds {secs}")
        layer_sum += secs
        # Items of the layer: proofs' rows say "proofs", the conformance layer's
        # "conformance" and "conformance/model"; the records are layers of their own.
        if name == "records":
            mine = [i for i in items if i.get("layer") not in ORDER[:4] and
                    not str(i.get("layer", "")).startswith("conformance")]
        else:
            mine = [i for i in items if i.get("layer") == name or
                    (name == "conformance" and i.get("layer") == "conformance/model")]
        row_secs = [i["seconds"] for i in mine if is_number(i.get("seconds"))]
        if not skipped and name != "records" and not row_secs:
            errors.append(f"{name}: ran, yet no item of it in items")
        if row_secs and secs + EPS < max(row_secs):
            errors.append(f"{name}: wall_seconds {secs} < its longest item's {max(row_secs)}")
        if name in SEQUENTIAL and row_secs and secs + EPS < sum(row_secs):
            errors.append(f"{name}: wall_seconds {secs} < the sum of its items' {sum(row_secs)}")
    if total is not None and layer_sum > total + EPS:
        errors.append(f"the layers' wall_seconds add up to {layer_sum}, more than the total {total}")
    for e in errors:
        print(f"FAIL: {e}")
    if errors:
        return 1
    shown = ", ".join(f"{l['layer']} {'skipped' if l['skipped'] else format(l['wall_seconds'], '.2f')}"
                      for l in layers)
    print(f"verify layers ok: {shown}; total {total:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
