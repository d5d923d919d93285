#!/usr/bin/env python3
"""Helpers of scripts/cluster-e2e.sh for the parity check: the verdict the API server gives each
object (through the webhook) against the verdict `plumbline lint` gives it offline.

  parity.py split DIR < list.json
      Writes each item of a kubectl List (JSON) to DIR/NNN.json and prints one line per object:
      "NNN<TAB>kind<TAB>namespace<TAB>name", Namespaces first, then the kinds the others refer to
      (so the cluster cache knows them), workloads and routes last.
  parity.py webhooks < objects.json
      One line per webhook of the ValidatingWebhookConfigurations read, clientConfig left out.
  parity.py expect LINT.json OBJECTS.tsv ENFORCEMENT
      Prints "NNN<TAB>verdict" (denied, warned or allowed) for each object, from the linter's
      unsuppressed findings and the enforcement of the object's environment. ENFORCEMENT is
      "production=deny,staging=deny,dev=warn,*=deny" (the admission.enforcement of the config).
      The environment comes from the Namespace's plumbline.dev/environment label when the
      Namespace is in the input set, else the default name pattern, else production: the
      linter's and the webhook's documented resolution (docs/tenancy.md).
"""
import json
import os
import re
import sys

ORDER = ["Namespace", "ResourceQuota", "LimitRange", "NetworkPolicy", "PodDisruptionBudget",
         "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret", "Service", "Middleware"]
ROUTES = ["Ingress", "IngressRoute", "IngressRouteTCP", "IngressRouteUDP", "TraefikService"]
ALIASES = {"prod": "production", "production": "production", "staging": "staging",
           "stage": "staging", "test": "staging", "dev": "dev", "sandbox": "dev",
           "development": "dev"}
PATTERN = re.compile(r"^(?P<tenant>[a-z0-9-]+)-(?P<env>prod|production|staging|stage|dev|test|sandbox)$")


def rank(kind):
    if kind in ORDER:
        return ORDER.index(kind)
    if kind in ROUTES:
        return len(ORDER) + 2
    return len(ORDER) + 1


def objects(text):
    """The objects of kubectl's JSON output: one object, a List, or several objects one after
    another (what `kubectl create --dry-run=client -o json` prints for several documents)."""
    decoder, i, out = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        value, i = decoder.raw_decode(text, i)
        out.extend(value.get("items", []) if value.get("kind", "").endswith("List") else [value])


def webhooks():
    """One line per webhook of the ValidatingWebhookConfigurations read, without clientConfig."""
    for o in objects(sys.stdin.read()):
        if o.get("kind") == "ValidatingWebhookConfiguration":
            for w in o.get("webhooks", []):
                w.pop("clientConfig", None)
                # The API server's defaults for fields deploy/ leaves out.
                if w.get("objectSelector") == {}:
                    del w["objectSelector"]
                print(json.dumps(w, sort_keys=True))


def split(out_dir):
    items = objects(sys.stdin.read())
    items.sort(key=lambda o: rank(o.get("kind", "")))
    os.makedirs(out_dir, exist_ok=True)
    for i, obj in enumerate(items):
        key = f"{i:03d}"
        with open(os.path.join(out_dir, key + ".json"), "w") as f:
            json.dump(obj, f)
        meta = obj.get("metadata", {})
        print(f"{key}\t{obj.get('kind', '')}\t{meta.get('namespace', '')}\t{meta.get('name', '')}")


def environment(namespace, ns_labels):
    label = ns_labels.get(namespace, {}).get("plumbline.dev/environment")
    if label:
        return ALIASES.get(label, label)
    m = PATTERN.match(namespace or "")
    if m:
        return ALIASES[m.group("env")]
    return "production"


def expect(lint_path, objects_path, enforcement):
    modes = dict(pair.split("=", 1) for pair in enforcement.split(","))
    with open(lint_path) as f:
        lint = json.load(f)
    objects = [line.rstrip("\n").split("\t") for line in open(objects_path) if line.strip()]
    ns_labels = {}
    for key, kind, namespace, name in objects:
        if kind == "Namespace":
            with open(os.path.join(os.path.dirname(objects_path), "objects", key + ".json")) as f:
                ns_labels[name] = json.load(f).get("metadata", {}).get("labels", {}) or {}
    severities = {}
    for finding in lint.get("findings", []):
        if finding.get("suppressed"):
            continue
        o = finding["object"]
        severities.setdefault((o["kind"], o.get("namespace", ""), o["name"]), set()).add(finding["severity"])
    for key, kind, namespace, name in objects:
        found = severities.get((kind, namespace, name), set())
        env_ns = name if kind == "Namespace" else namespace
        mode = modes.get(environment(env_ns, ns_labels), modes.get("*", "deny"))
        if mode == "deny" and "error" in found:
            verdict = "denied"
        elif mode in ("deny", "warn") and found & {"error", "warning"}:
            verdict = "warned"
        else:
            verdict = "allowed"
        print(f"{key}\t{verdict}")


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "webhooks":
        webhooks()
    elif len(sys.argv) == 3 and sys.argv[1] == "split":
        split(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "expect":
        expect(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
