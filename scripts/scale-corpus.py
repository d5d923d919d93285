#!/usr/bin/env python3
"""Writes N copies of a corpus of Kubernetes manifests, renamed so that the copies don't collide,
for the flat-memory measurements of scripts/compare.sh --scale N (docs/benchmarks.md).

Usage: scale-corpus.py CORPUS OUT N     write OUT/copy-000 ... OUT/copy-<N-1>
       scale-corpus.py --count PATH...  print the number of Kubernetes objects under PATHs

Copy 0 is the corpus as it is (every file copied byte for byte). In copy k >= 1 every YAML file
(*.yaml, *.yml, *.json) is parsed and written again with, in every Kubernetes object:
  - metadata.namespace, and the name of every Namespace object, suffixed with `-copyk`; so are
    `namespace` fields elsewhere in the object (RoleBinding subjects, webhook clientConfig
    services, ...) that name a namespace of the corpus, so an object still finds its namespace
    (labels, Pod Security level, environment) and its neighbours within its copy;
  - metadata.name suffixed with `-copyk` for cluster-scoped objects (ClusterRole, CRD, webhook
    configurations, PriorityClass, ...) and for namespaced objects without a namespace (they
    would otherwise all land in the same namespace), with `roleRef.name` of bindings to a
    ClusterRole renamed alike;
  - the hosts of Ingresses (spec.rules[].host, spec.tls[].hosts[]) and of Traefik IngressRoutes
    (Host(`...`) and HostSNI(`...`) in spec.routes[].match, spec.tls.domains[].main and .sans)
    given a last label `copyk` (`erp.example.com` -> `erp.example.com.copyk`, `*.example.com` ->
    `*.example.com.copyk`, so a wildcard still covers the same hosts): hosts are claimed
    cluster-wide, and without it every copy's Ingresses would conflict with every other copy's,
    a number of conflicts that grows with the square of the copies.
Items of `*List` objects are renamed the same way. Other documents, and files that do not parse,
are copied as they are. Comments and formatting of the renamed copies are not kept (PyYAML dump).
Needs python3 with PyYAML.
"""

import copy
import json
import os
import re
import shutil
import sys

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
EXTS = (".yaml", ".yml", ".json")

# Cluster-scoped kinds of Kubernetes and of the CRDs common in the corpus.
CLUSTER_SCOPED = {
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "APIService", "StorageClass", "CSIDriver", "CSINode",
    "VolumeAttachment", "PriorityClass", "RuntimeClass", "IngressClass", "PodSecurityPolicy",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "FlowSchema",
    "PriorityLevelConfiguration", "CertificateSigningRequest", "ClusterIssuer",
    "ClusterImagePolicy", "ClusterPolicy", "ClusterServingRuntime", "ClusterTrainingRuntime",
    "ClusterWorkflowTemplate", "ClusterSecretStore", "Tenant", "GlobalTenantResource",
    "ClusterStorageContainer", "VolumeSnapshotClass", "IPAddressPool", "GatewayClass",
}


def is_object(doc):
    return isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc


def objects_of(doc):
    """The Kubernetes objects of a document: itself, or a List's items."""
    if not is_object(doc):
        return []
    if str(doc["kind"]).endswith("List") and isinstance(doc.get("items"), list):
        return [i for i in doc["items"] if is_object(i)]
    return [doc]


def load_docs(path):
    with open(path, encoding="utf-8") as f:
        return list(yaml.load_all(f, Loader=LOADER))


def yaml_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(EXTS):
                yield os.path.join(dirpath, name)


def count(paths):
    n = 0
    for p in paths:
        files = [p] if os.path.isfile(p) else yaml_files(p)
        for f in files:
            try:
                docs = load_docs(f)
            except Exception:  # a file that does not parse has no objects to count
                continue
            n += sum(len(objects_of(d)) for d in docs)
    return n


def namespaces_of(root):
    """Every namespace the corpus names: metadata.namespace and Namespace objects."""
    out = set()
    for f in yaml_files(root):
        try:
            docs = load_docs(f)
        except Exception:
            continue
        for d in docs:
            for o in objects_of(d):
                md = o.get("metadata") if isinstance(o.get("metadata"), dict) else {}
                if o["kind"] == "Namespace" and isinstance(md.get("name"), str):
                    out.add(md["name"])
                if isinstance(md.get("namespace"), str):
                    out.add(md["namespace"])
    return out


def rename_namespace_fields(node, namespaces, suffix):
    """Suffix every `namespace: <a corpus namespace>` below node (not metadata, done apart)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "namespace" and isinstance(v, str) and v in namespaces:
                node[k] = v + suffix
            else:
                rename_namespace_fields(v, namespaces, suffix)
    elif isinstance(node, list):
        for v in node:
            rename_namespace_fields(v, namespaces, suffix)


def rename(obj, namespaces, suffix):
    md = obj.get("metadata")
    if not isinstance(md, dict):
        return
    for k, v in obj.items():
        if k != "metadata":
            rename_namespace_fields(v, namespaces, suffix)
    if isinstance(md.get("namespace"), str) and md["namespace"]:
        md["namespace"] += suffix
    elif isinstance(md.get("name"), str):
        # Cluster-scoped (a Namespace's name is its namespace), or namespaced without a namespace.
        md["name"] += suffix
    ref = obj.get("roleRef")
    if isinstance(ref, dict) and ref.get("kind") == "ClusterRole" and isinstance(ref.get("name"), str):
        ref["name"] += suffix


HOST_CALL = re.compile(r"(HostSNI|Host)\(([^)]*)\)")
QUOTED = re.compile(r"(`|\")([^`\"]+)(`|\")")


def rename_host(host, label):
    return f"{host}.{label}" if isinstance(host, str) and host else host


def rename_match(match, label):
    """Host(`a`, `b`) and HostSNI(`a`) in a Traefik rule, each host given the last label."""
    def call(m):
        args = QUOTED.sub(lambda q: q.group(1) + rename_host(q.group(2), label) + q.group(3), m.group(2))
        return f"{m.group(1)}({args})"
    return HOST_CALL.sub(call, match) if isinstance(match, str) else match


def rename_hosts(obj, label):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if obj["kind"] == "Ingress":
        for rule in spec.get("rules") or []:
            if isinstance(rule, dict) and "host" in rule:
                rule["host"] = rename_host(rule["host"], label)
        for tls in spec.get("tls") or []:
            if isinstance(tls, dict) and isinstance(tls.get("hosts"), list):
                tls["hosts"] = [rename_host(h, label) for h in tls["hosts"]]
    elif obj["kind"] in ("IngressRoute", "IngressRouteTCP"):
        for route in spec.get("routes") or []:
            if isinstance(route, dict) and "match" in route:
                route["match"] = rename_match(route["match"], label)
        tls = spec.get("tls")
        for dom in (tls.get("domains") or []) if isinstance(tls, dict) else []:
            if isinstance(dom, dict):
                if "main" in dom:
                    dom["main"] = rename_host(dom["main"], label)
                if isinstance(dom.get("sans"), list):
                    dom["sans"] = [rename_host(h, label) for h in dom["sans"]]


def parse_corpus(corpus):
    """(relative path, parsed documents or None when the file is copied as it is) per file."""
    out = []
    for dirpath, dirnames, filenames in os.walk(corpus):
        dirnames.sort()
        for name in sorted(filenames):
            src = os.path.join(dirpath, name)
            docs = None
            if name.endswith(EXTS):
                try:
                    docs = load_docs(src)
                except Exception:
                    docs = None
            out.append((os.path.relpath(src, corpus), docs))
    return out


def write_copy(corpus, parsed, dest, k, namespaces):
    suffix = f"-copy{k}"
    for rel, docs in parsed:
        name = os.path.basename(rel)
        src = os.path.join(corpus, rel)
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if docs is None:
            shutil.copyfile(src, dst)
            continue
        docs = copy.deepcopy(docs)
        for d in docs:
            for o in objects_of(d):
                rename(o, namespaces, suffix)
                rename_hosts(o, f"copy{k}")
        with open(dst, "w", encoding="utf-8") as f:
            if name.endswith(".json") and len(docs) == 1:
                json.dump(docs[0], f)
            else:
                yaml.dump_all(docs, f, Dumper=DUMPER, sort_keys=False,
                              default_flow_style=False, allow_unicode=True)


def main(argv):
    if len(argv) >= 2 and argv[0] == "--count":
        print(count(argv[1:]))
        return 0
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    corpus, out, n = argv[0], argv[1], argv[2]
    if not os.path.isdir(corpus):
        print(f"scale-corpus: {corpus} is not a directory", file=sys.stderr)
        return 2
    try:
        n = int(n)
        assert n >= 1
    except (ValueError, AssertionError):
        print(f"scale-corpus: N must be a whole number >= 1, not {n!r}", file=sys.stderr)
        return 2
    if os.path.exists(out) and os.listdir(out):
        print(f"scale-corpus: {out} exists and is not empty", file=sys.stderr)
        return 2
    os.makedirs(out, exist_ok=True)
    shutil.copytree(corpus, os.path.join(out, "copy-000"))
    if n > 1:
        namespaces = namespaces_of(corpus)
        parsed = parse_corpus(corpus)
        for k in range(1, n):
            write_copy(corpus, parsed, os.path.join(out, f"copy-{k:03d}"), k, namespaces)
    print(f"scale-corpus: {n} copies of {corpus} in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
