"""The `policy_inputs` example's output, read once for every script that feeds the pack's exact
inputs to another engine (tests/opa/parity.py for OPA, tests/peers/export_inputs.py for
scripts/compare.sh).

`run(example, data_file, paths, config)` runs the example, which writes the rules' data
(`{"plumbline": {"params": ...}}`) to `data_file` and prints one JSON line per object: its
`input`, the `rules` that apply to it and regorus' `findings`. It returns (objects, data), or
raises `Failed` with the example's error output.

`batch(objects)` shares the inventories: every input without its `inventory`, with its rules and
the index of its inventory among the distinct ones (`items`), and those inventories. This is the
`plumbline_parity_in` document tests/opa/parity.rego evaluates in one `opa eval`.
"""

import hashlib
import json
import subprocess


class Failed(Exception):
    """The example exited non-zero; the message is its standard error."""


def run(example, data_file, paths, config=None):
    cmd = [example, "--data", data_file]
    if config is not None:
        cmd += ["--config", config]
    p = subprocess.run(cmd + list(paths), capture_output=True, text=True)
    if p.returncode != 0:
        raise Failed(p.stderr.strip())
    objects = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    with open(data_file, encoding="utf-8") as f:
        data = json.load(f)
    return objects, data


def batch(objects):
    """({"items": [...], "inventories": [...]}, the inventory index of each object)."""
    inventories, index, items, of_object = [], {}, [], []
    for o in objects:
        inp = dict(o["input"])
        inv = inp.pop("inventory", None)
        key = hashlib.sha256(json.dumps(inv, sort_keys=True).encode()).hexdigest()
        if key not in index:
            index[key] = len(inventories)
            inventories.append(inv)
        items.append({"input": inp, "inv": index[key], "rules": o["rules"]})
        of_object.append(index[key])
    return {"items": items, "inventories": inventories}, of_object
