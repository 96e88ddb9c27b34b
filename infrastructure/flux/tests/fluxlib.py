"""Offline model of what Flux does with infrastructure/flux, for the tests and flux-check.sh.

- render(): `kubectl kustomize` on a directory (the build step of a Flux Kustomization);
- substitute(): Flux's postBuild variable substitution (fluxcd/pkg/envsubst semantics: only
  ${var} forms, `$$` escapes a dollar, documents annotated or labelled
  kustomize.toolkit.fluxcd.io/substitute=disabled are left alone);
- crd_schema(): a CRD's openAPIV3Schema turned into a strict JSON Schema;
- flagger_generated(): the Services, Deployment and HPA Flagger derives from a Canary.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FLUX_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = FLUX_DIR.parents[1]
TESTS_DIR = FLUX_DIR / "tests"
# The clusters Flux runs from this folder: `takehome` on EKS (the default everywhere below) and
# `kind`, the no-AWS overlay that .github/workflows/cluster-e2e.yml deploys in CI.
CLUSTERS = ("takehome", "kind")


def cluster_dir(cluster: str = "takehome") -> Path:
    return FLUX_DIR / "clusters" / cluster


# Kubernetes version of the EKS cluster (Terraform's default); kubernetes-validate schemas.
def terraform_kubernetes_version() -> str:
    """The cluster's version: the default of the cluster stack's `kubernetes_version`."""
    variables = (REPO_ROOT / "infrastructure/terraform/cluster/variables.tf").read_text()
    found = re.search(
        r'variable "kubernetes_version" \{.*?default\s*=\s*"([0-9.]+)"', variables, re.DOTALL
    )
    assert found, "no kubernetes_version default in the cluster stack"
    return found.group(1)


K8S_VERSION = os.environ.get("K8S_VERSION") or terraform_kubernetes_version()

SUBSTITUTE_DISABLED = "kustomize.toolkit.fluxcd.io/substitute"

# Objects that exist in the cluster but not in this folder, and who creates them.
EXTERNAL_OBJECTS = {
    ("GitRepository", "flux-system", "flux-system"): "flux bootstrap",
    ("ConfigMap", "flux-system", "cluster-vars"): "terraform-apply.sh",
    ("ConfigMap", "realworld", "rds-ca-bundle"): "terraform-apply.sh (AWS's RDS CA bundle)",
}

# Custom resource kinds whose CRD is not in shared/crds: validated structurally only (and
# reported). Empty: every kind applied here has its upstream CRD in shared/crds.
KINDS_WITHOUT_CRD: dict[tuple[str, str, str], str] = {}


def shared_dir() -> Path:
    """shared/ is the repository's sibling (<x>/main + <x>/shared; CI: <tmp>/p + <tmp>/shared)."""
    env = os.environ.get("SHARED_DIR")
    return Path(env).resolve() if env else (REPO_ROOT.parent / "shared").resolve()


def crds_dir() -> Path:
    return shared_dir() / "crds"


# --------------------------------------------------------------------------- rendering


def kustomization_dirs() -> list[Path]:
    return sorted(p.parent for p in FLUX_DIR.rglob("kustomization.yaml"))


@functools.cache
def render(directory: Path) -> str:
    if not (directory / "kustomization.yaml").is_file():
        # kustomize-controller generates a kustomization of every manifest in the folder.
        if not directory.is_dir():
            raise RuntimeError(f"{directory} does not exist")
        return "\n---\n".join(p.read_text() for p in sorted(directory.rglob("*.yaml")))
    result = subprocess.run(
        ["kubectl", "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {directory} failed:\n{result.stderr}")
    return result.stdout


def split_documents(text: str) -> list[str]:
    return [d for d in re.split(r"^---[ \t]*$", text, flags=re.M) if d.strip()]


def load_documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def cluster_objects(cluster: str = "takehome") -> list[dict[str, Any]]:
    """What clusters/<cluster> holds: the Flux Kustomizations (applied by flux bootstrap, or by
    the e2e workflow for kind) and, for kind, its cluster-vars; no substitution."""
    docs: list[dict[str, Any]] = []
    for path in sorted(cluster_dir(cluster).glob("*.yaml")):
        docs.extend(load_documents(path.read_text()))
    return docs


def is_flux_kustomization(doc: dict[str, Any]) -> bool:
    return doc.get("kind") == "Kustomization" and doc["apiVersion"].startswith("kustomize.toolkit")


Overrides = tuple[tuple[str, str], ...]


def _key(overrides: dict[str, str] | None) -> Overrides:
    return tuple(sorted((overrides or {}).items()))


def flux_kustomizations(
    cluster: str = "takehome", overrides: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The cluster's Flux Kustomizations, then those that their builds apply (substituted with
    the example cluster-vars, e.g. `notifications`, whose path a cluster var selects).
    `overrides` replaces cluster vars, to model another choice (ERROR_TRACKING=disabled)."""
    return list(_flux_kustomizations(cluster, _key(overrides)))


RAW_PATH = "fluxlib/raw-path"  # annotation keeping a nested Kustomization's unsubstituted path


def raw_path(ks: dict[str, Any]) -> str:
    return (ks["metadata"].get("annotations") or {}).get(RAW_PATH, ks["spec"]["path"])


def switched_paths(ks: dict[str, Any]) -> list[Path]:
    """Every folder a Flux Kustomization's path can name: ${VAR...} segments as wildcards."""
    pattern = _VAR.sub("*", raw_path(ks))
    if pattern == raw_path(ks):
        return [kustomization_path(ks)]
    return sorted(p.parent for p in REPO_ROOT.glob(f"{pattern}/kustomization.yaml"))


@functools.cache
def _flux_kustomizations(cluster: str, overrides: Overrides) -> tuple[dict[str, Any], ...]:
    found = [d for d in cluster_objects(cluster) if is_flux_kustomization(d)]
    pending = list(found)
    while pending:
        parent = pending.pop(0)
        variables = {**example_vars(cluster), **dict(overrides), **inline_vars(parent)}
        for raw in split_documents(render(kustomization_path(parent))):
            parsed = yaml.safe_load(raw)
            if parsed and is_flux_kustomization(parsed):
                child = yaml.safe_load(envsubst(raw, variables).text)
                annotations = child["metadata"].setdefault("annotations", {})
                annotations[RAW_PATH] = parsed["spec"]["path"]
                found.append(child)
                pending.append(child)
    return tuple(found)


# GitRepositories other than this one, by (url, tag): where shared/ holds that repository's
# files at that tag (shared/charts/README.md gives each folder's source and commit), and the
# repository path the folder is.
EXTERNAL_SOURCES: dict[tuple[str, str], tuple[str, str]] = {
    ("https://github.com/kubernetes-sigs/gateway-api", "v1.6.1"): (
        "config/crd/standard",
        "charts/gateway-api-crds-v1.6.1",
    ),
    ("https://github.com/envoyproxy/gateway", "v1.9.0"): (
        "charts/gateway-helm",
        "charts/gateway-helm-v1.9.0",
    ),
}


def kustomization_path(ks: dict[str, Any]) -> Path:
    """The folder a Flux Kustomization builds: in this repository, or, for one whose source is
    an upstream GitRepository, the copy of that repository's folder in shared/."""
    source = ks["spec"].get("sourceRef") or {}
    if source.get("name", "flux-system") == "flux-system":
        return REPO_ROOT / ks["spec"]["path"]
    repo = next(
        (
            d
            for c in CLUSTERS
            for d in cluster_objects(c)
            if d.get("kind") == "GitRepository" and d["metadata"]["name"] == source["name"]
        ),
        None,
    )
    if repo is None:
        raise AssertionError(f"Kustomization {ks['metadata']['name']}: no GitRepository {source}")
    key = (repo["spec"]["url"], str(repo["spec"]["ref"].get("tag")))
    if key not in EXTERNAL_SOURCES:
        raise AssertionError(f"GitRepository {key} has no copy in shared/ (EXTERNAL_SOURCES)")
    upstream, local = EXTERNAL_SOURCES[key]
    path = ks["spec"]["path"].removeprefix("./")
    if not (path + "/").startswith(upstream + "/"):
        raise AssertionError(f"{path} is outside {upstream}, the part of {key} in shared/")
    return shared_dir() / local / path[len(upstream) :].lstrip("/")


# --------------------------------------------------------------------------- substitution

_VAR = re.compile(
    r"\$\$|\$\{(?P<name>[_A-Za-z][_A-Za-z0-9]*)(?:(?P<op>:?[=-])(?P<default>[^}]*))?\}|\$\{(?P<bad>[^}]*)\}?"
)


@dataclass
class Substitution:
    text: str
    used: set[str] = field(default_factory=set)  # without a default: must be defined
    optional: set[str] = field(default_factory=set)  # ${VAR:=default} and friends
    missing: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    escapes: int = 0


def envsubst(text: str, variables: dict[str, str]) -> Substitution:
    """Flux-like ${var} substitution of one YAML document, recording what it used."""
    out = Substitution(text="")

    def repl(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            out.escapes += 1
            return "$"
        if match.group("bad") is not None:
            out.errors.append(f"unsupported substitution {match.group(0)!r}")
            return match.group(0)
        name = match.group("name")
        (out.optional if match.group("op") else out.used).add(name)
        if name in variables and (variables[name] != "" or match.group("op") not in (":=", ":-")):
            return variables[name]
        if match.group("op"):
            return match.group("default")
        out.missing.add(name)
        return ""

    out.text = _VAR.sub(repl, text)
    return out


def substitution_disabled(doc: dict[str, Any]) -> bool:
    meta = doc.get("metadata") or {}
    return SUBSTITUTE_DISABLED in {
        k
        for k, v in {**(meta.get("labels") or {}), **(meta.get("annotations") or {})}.items()
        if v == "disabled"
    }


def example_vars(cluster: str = "takehome") -> dict[str, str]:
    """The cluster-vars the tests render with: for takehome a sample of what terraform-apply.sh
    writes (tests/cluster-vars.example.yaml documents every key), for kind its own committed
    ConfigMap (clusters/kind/cluster-vars.yaml, which the e2e workflow applies)."""
    if cluster == "takehome":
        cm = yaml.safe_load((TESTS_DIR / "cluster-vars.example.yaml").read_text())
    else:
        cm = next(
            d
            for d in cluster_objects(cluster)
            if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "cluster-vars"
        )
    return {k: str(v) for k, v in cm["data"].items()}


def inline_vars(ks: dict[str, Any]) -> dict[str, str]:
    return dict(((ks.get("spec") or {}).get("postBuild") or {}).get("substitute") or {})


@dataclass
class BuiltDocument:
    kustomization: str  # Flux Kustomization that applies it
    raw: str  # rendered text before substitution
    result: Substitution | None  # None when substitution is disabled on the document
    obj: dict[str, Any]  # the object as the cluster receives it


def built_documents(
    cluster: str = "takehome", overrides: dict[str, str] | None = None
) -> tuple[BuiltDocument, ...]:
    """Every object each Flux Kustomization applies, after Flux's substitution."""
    return _built_documents(cluster, _key(overrides))


@functools.cache
def _built_documents(cluster: str, overrides: Overrides) -> tuple[BuiltDocument, ...]:
    docs: list[BuiltDocument] = []
    for ks in flux_kustomizations(cluster, dict(overrides)):
        variables = {**example_vars(cluster), **dict(overrides), **inline_vars(ks)}
        for raw in split_documents(render(kustomization_path(ks))):
            parsed = yaml.safe_load(raw)
            if not parsed:
                continue
            # kustomize-controller substitutes only where spec.postBuild is set.
            if substitution_disabled(parsed) or "postBuild" not in ks["spec"]:
                docs.append(BuiltDocument(ks["metadata"]["name"], raw, None, parsed))
                continue
            result = envsubst(raw, variables)
            docs.append(
                BuiltDocument(ks["metadata"]["name"], raw, result, yaml.safe_load(result.text))
            )
    return tuple(docs)


def all_objects(
    cluster: str = "takehome", overrides: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    return cluster_objects(cluster) + [d.obj for d in built_documents(cluster, overrides)]


# --------------------------------------------------------------------------- object lookup


def group_of(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""


def namespace_of(obj: dict[str, Any]) -> str | None:
    return (obj.get("metadata") or {}).get("namespace")


def find(
    objects: list[dict[str, Any]], kind: str, name: str, namespace: str | None = None
) -> dict[str, Any] | None:
    for obj in objects:
        meta = obj.get("metadata") or {}
        same_name = obj.get("kind") == kind and meta.get("name") == name
        if same_name and (namespace is None or meta.get("namespace") == namespace):
            return obj
    return None


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o.get("kind") == kind]


def exists(objects: list[dict[str, Any]], kind: str, name: str, namespace: str | None) -> bool:
    return (
        find(objects, kind, name, namespace) is not None
        or (kind, namespace, name) in EXTERNAL_OBJECTS
    )


# --------------------------------------------------------------------------- CRD schemas


@functools.cache
def crd_schemas() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, kind) -> openAPIV3Schema of every served version in shared/crds and in
    the CRD folders the clusters apply from upstream repositories."""
    root = crds_dir()
    if not root.is_dir():
        raise FileNotFoundError(
            f"CRD directory {root} not found: set SHARED_DIR to the folder that holds crds/"
        )
    schemas: dict[tuple[str, str, str], dict[str, Any]] = {}
    # Then the CRDs the clusters install from upstream repositories (gateway-api-crds,
    # envoy-gateway-crds): where both have a kind, the installed release's schema wins.
    applied = [
        path
        for ks in flux_kustomizations("takehome")
        if (ks["spec"].get("sourceRef") or {}).get("name", "flux-system") != "flux-system"
        for path in sorted(kustomization_path(ks).rglob("*.yaml"))
    ]
    for path in sorted(root.rglob("*.yaml")) + applied:
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                if version.get("served", True):
                    schemas[(spec["group"], version["name"], spec["names"]["kind"])] = version[
                        "schema"
                    ]["openAPIV3Schema"]
    if not schemas:
        raise FileNotFoundError(f"no CustomResourceDefinition found under {root}")
    return schemas


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {
        k: _strict(v) if k not in ("enum", "default", "example") else v for k, v in node.items()
    }
    if node.pop("x-kubernetes-int-or-string", False):
        node.pop("type", None)
        node.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
    preserve = node.get("x-kubernetes-preserve-unknown-fields", False)
    if (
        node.get("type") == "object"
        and "properties" in node
        and "additionalProperties" not in node
        and not preserve
    ):
        node["additionalProperties"] = False
    return node


@functools.cache
def _strict_schema(key: tuple[str, str, str]) -> dict[str, Any]:
    schema = _strict(copy.deepcopy(crd_schemas()[key]))
    # apiVersion/kind/metadata are checked by the API server, not by the CRD's schema.
    schema.setdefault("properties", {}).update(
        {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
        }
    )
    return schema


def crd_schema(group: str, version: str, kind: str) -> dict[str, Any] | None:
    key = (group, version, kind)
    return _strict_schema(key) if key in crd_schemas() else None


def count_cel_rules(node: Any) -> int:
    if isinstance(node, list):
        return sum(count_cel_rules(n) for n in node)
    if isinstance(node, dict):
        return len(node.get("x-kubernetes-validations", [])) + sum(
            count_cel_rules(v) for v in node.values()
        )
    return 0


# --------------------------------------------------------------------------- pods and Flagger

FLAGGER_SELECTOR_LABELS = ("app", "name", "app.kubernetes.io/name")


def pod_templates(objects: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for obj in objects:
        if obj.get("kind") in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield obj, obj["spec"]["template"]


def selector_label(deployment: dict[str, Any]) -> str:
    match_labels = deployment["spec"]["selector"].get("matchLabels") or {}
    for label in FLAGGER_SELECTOR_LABELS:
        if label in match_labels:
            return label
    raise AssertionError(
        f"{deployment['metadata']['name']}: no Flagger selector label in matchLabels"
    )


def flagger_generated(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What Flagger creates for each Canary (pkg/canary, pkg/router): the primary Deployment and
    HPA, the apex/primary/canary Services and, with the Gateway API provider, the HTTPRoute."""
    generated: list[dict[str, Any]] = []
    for canary in of_kind(objects, "Canary"):
        ns = namespace_of(canary)
        spec = canary["spec"]
        target = find(objects, spec["targetRef"]["kind"], spec["targetRef"]["name"], ns)
        if target is None:
            continue
        name = spec["targetRef"]["name"]
        label = selector_label(target)
        primary = copy.deepcopy(target)
        primary["metadata"]["name"] = f"{name}-primary"
        primary["spec"]["selector"]["matchLabels"] = {label: f"{name}-primary"}
        labels = primary["spec"]["template"]["metadata"]["labels"]
        labels[label] = f"{name}-primary"
        for constraint in primary["spec"]["template"]["spec"].get("topologySpreadConstraints", []):
            for expr in (constraint.get("labelSelector") or {}).get("matchExpressions", []):
                if expr["key"] in FLAGGER_SELECTOR_LABELS:
                    expr["values"] = [f"{v}-primary" if v == name else v for v in expr["values"]]
        generated.append(primary)
        service = spec["service"]
        apex = service.get("name", name)
        for svc_name, selector_value in (
            (apex, f"{name}-primary"),
            (f"{apex}-primary", f"{name}-primary"),
            (f"{apex}-canary", name),
        ):
            generated.append(
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {"name": svc_name, "namespace": ns, "generatedBy": "flagger"},
                    "spec": {
                        "selector": {label: selector_value},
                        "ports": [
                            {
                                "name": service.get("portName", "http"),
                                "port": service["port"],
                                "targetPort": service.get("targetPort", service["port"]),
                            }
                        ],
                    },
                }
            )
        provider = spec.get("provider", "")
        if provider.startswith("gatewayapi:"):
            generated.append(flagger_httproute(canary, apex, provider.split(":", 1)[1]))
        if "autoscalerRef" in spec:
            hpa = find(objects, "HorizontalPodAutoscaler", spec["autoscalerRef"]["name"], ns)
            if hpa is not None:
                hpa = copy.deepcopy(hpa)
                hpa["metadata"]["name"] = f"{spec['autoscalerRef']['name']}-primary"
                hpa["spec"]["scaleTargetRef"]["name"] = f"{name}-primary"
                generated.append(hpa)
    return generated


def flagger_httproute(canary: dict[str, Any], apex: str, version: str) -> dict[str, Any]:
    """The HTTPRoute Flagger's Gateway API router writes before the first analysis
    (pkg/router/gateway_api_v1beta1.go Reconcile): named after the apex Service, parents from
    gatewayRefs, one rule on `/` that weighs the primary Service against the canary's."""
    service = canary["spec"]["service"]
    port = service["port"]
    route: dict[str, Any] = {
        "apiVersion": f"gateway.networking.k8s.io/{version}",
        "kind": "HTTPRoute",
        "metadata": {"name": apex, "namespace": namespace_of(canary)},
        "spec": {
            "parentRefs": service.get("gatewayRefs", []),
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [
                        {"group": "", "kind": "Service", "name": backend, "port": port, "weight": w}
                        for backend, w in ((f"{apex}-primary", 100), (f"{apex}-canary", 0))
                    ],
                }
            ],
        },
    }
    if service.get("hosts"):
        route["spec"]["hostnames"] = service["hosts"]
    return route


def selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def containers(template: dict[str, Any]) -> list[dict[str, Any]]:
    spec = template["spec"]
    return list(spec.get("initContainers", [])) + list(spec.get("containers", []))


def env_value(container: dict[str, Any], name: str) -> str | None:
    for env in container.get("env", []):
        if env["name"] == name:
            return env.get("value")
    return None
