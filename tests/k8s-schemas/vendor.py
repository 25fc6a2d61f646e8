#!/usr/bin/env python3
"""Regenerates tests/k8s-schemas/v1.NN.json from the strict JSON schemas that
the PyPI package kubernetes-validate bundles (README.md beside this file):

    pip download --no-deps kubernetes-validate==1.37.0
    unzip kubernetes_validate-1.37.0-py3-none-any.whl -d kv
    python3 tests/k8s-schemas/vendor.py kv/kubernetes_validate/kubernetes-json-schema

Keeps, for each version, the schemas of the kinds deploy/kubernetes/ uses and
every definition they reach, with `description`s dropped (they do not
validate) and references pointed inside the one file.
"""
import json
import sys
from pathlib import Path

VERSIONS = ["1.29", "1.30", "1.31", "1.32", "1.33", "1.34"]
# apiVersion, kind -> the package's file name for it.
KINDS = {
    ("batch/v1", "Job"): "job-batch-v1.json",
    ("v1", "Pod"): "pod-v1.json",
    ("v1", "PersistentVolumeClaim"): "persistentvolumeclaim-v1.json",
}
PREFIX = "/api/_definitions.json#/$defs/"


def kind_def(api_version, kind):
    return "kind." + api_version.replace("/", ".") + "." + kind


def rewrite(node, reached):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                continue
            if key == "$ref":
                local = "#/$defs/"
                assert value.startswith((PREFIX, local)), value
                name = value.split("/$defs/", 1)[1]
                reached.append(name)
                out[key] = "#/$defs/" + name
            elif key in ("$id", "$schema"):
                continue
            else:
                out[key] = rewrite(value, reached)
        return out
    if isinstance(node, list):
        return [rewrite(v, reached) for v in node]
    return node


def main(root):
    here = Path(__file__).resolve().parent
    for version in VERSIONS:
        folder = Path(root) / f"v{version}.0-local-strict"
        definitions = json.loads((folder / "_definitions.json").read_text())["$defs"]
        defs = {}
        pending = []
        for (api_version, kind), file in KINDS.items():
            schema = json.loads((folder / file).read_text())
            defs[kind_def(api_version, kind)] = rewrite(schema, pending)
        while pending:
            name = pending.pop()
            if name in defs:
                continue
            defs[name] = rewrite(definitions[name], pending)
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$comment": (
                f"Kubernetes {version} OpenAPI schemas as strict JSON schemas "
                "(additionalProperties: false), from kubernetes-validate 1.37.0 "
                f"(PyPI, Apache-2.0), v{version}.0-local-strict; only the kinds "
                "deploy/kubernetes/ uses and what they reference, descriptions "
                "dropped. Regenerate with vendor.py."
            ),
            "$defs": dict(sorted(defs.items())),
        }
        out = here / f"v{version}.json"
        out.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
        print(out, len(defs), out.stat().st_size)


if __name__ == "__main__":
    main(sys.argv[1])
