"""Which series linkerd-viz's Prometheus will hold for a pod, and with which labels: its rendered
scrape configuration (the chart's jobs plus ours from the HelmRelease values) applied to the
pods of the model, so that a MetricTemplate's label matchers (`deployment="{{ target }}"`) can
be checked against what the scrape really produces.

Discovery (prometheus v2.55.1 discovery/kubernetes/pod.go, role: pod): one target per declared
container port of every container, init containers included (native sidecars such as
linkerd-proxy; `__meta_kubernetes_pod_container_init="true"`), with the pod's namespace, name,
labels and annotations as __meta_ labels. Relabeling (model/relabel): the regex is anchored,
source labels are joined with `;`, `$1`/`${1}` in the replacement.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from model import ClusterModel, Pod


def _sanitize(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def scrape_config(m: ClusterModel) -> dict[str, Any]:
    """prometheus.yml as the linkerd-viz chart renders it for this cluster."""
    for _, obj in m.chart_objects:
        if obj["kind"] == "ConfigMap" and "prometheus.yml" in (obj.get("data") or {}):
            return yaml.safe_load(obj["data"]["prometheus.yml"])
    raise AssertionError(f"{m.label}: no rendered prometheus.yml")


def discovered(pod: Pod, address: str = "10.0.100.10") -> list[dict[str, str]]:
    targets = []
    init = {c["name"] for c in pod.spec.get("initContainers", [])}
    common = {
        "__meta_kubernetes_namespace": pod.namespace,
        "__meta_kubernetes_pod_name": f"{pod.name}-0",
        "__meta_kubernetes_pod_phase": "Running",
        "__meta_kubernetes_pod_ready": "true",
        "__meta_kubernetes_pod_ip": address,
        "__meta_kubernetes_pod_controller_kind": "ReplicaSet"
        if pod.kind == "Deployment"
        else pod.kind,
    }
    for key, value in pod.labels.items():
        common[f"__meta_kubernetes_pod_label_{_sanitize(key)}"] = value
        common[f"__meta_kubernetes_pod_labelpresent_{_sanitize(key)}"] = "true"
    for key, value in pod.annotations.items():
        common[f"__meta_kubernetes_pod_annotation_{_sanitize(key)}"] = value
        common[f"__meta_kubernetes_pod_annotationpresent_{_sanitize(key)}"] = "true"
    for container in pod.spec.get("initContainers", []) + pod.spec.get("containers", []):
        for port in container.get("ports", []):
            targets.append(
                {
                    **common,
                    "__address__": f"{address}:{port['containerPort']}",
                    "__meta_kubernetes_pod_container_name": container["name"],
                    "__meta_kubernetes_pod_container_init": str(container["name"] in init).lower(),
                    "__meta_kubernetes_pod_container_port_name": port.get("name", ""),
                    "__meta_kubernetes_pod_container_port_number": str(port["containerPort"]),
                    "__meta_kubernetes_pod_container_port_protocol": port.get("protocol", "TCP"),
                }
            )
    return targets


def _expand(template: str, match: re.Match[str]) -> str:
    def group(g: re.Match[str]) -> str:
        index = g.group(1) or g.group(2)
        value = match.group(int(index)) if index.isdigit() else match.group(index)
        return value or ""

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", group, template)


def relabel(labels: dict[str, str], configs: list[dict[str, Any]]) -> dict[str, str] | None:
    """Apply relabel_configs; None when the target is dropped."""
    labels = dict(labels)
    for config in configs or []:
        action = config.get("action", "replace")
        regex = re.compile(f"^(?:{config.get('regex', '(.*)')})$")
        separator = config.get("separator", ";")
        value = separator.join(labels.get(s, "") for s in config.get("source_labels", []))
        replacement = str(config.get("replacement", "$1"))
        if action == "keep":
            if not regex.match(value):
                return None
        elif action == "drop":
            if regex.match(value):
                return None
        elif action == "replace":
            match = regex.match(value)
            if match:
                target = _expand(config["target_label"], match)
                result = _expand(replacement, match)
                if result:
                    labels[target] = result
                else:
                    labels.pop(target, None)
        elif action == "labelmap":
            for name in list(labels):
                match = regex.match(name)
                if match:
                    labels[_expand(replacement, match)] = labels[name]
        elif action == "labeldrop":
            labels = {k: v for k, v in labels.items() if not regex.match(k)}
        elif action == "labelkeep":
            labels = {k: v for k, v in labels.items() if regex.match(k)}
        else:
            raise AssertionError(f"relabel action {action} is not modelled")
    return labels


def series_labels(m: ClusterModel, pod: Pod) -> list[tuple[str, str, dict[str, str]]]:
    """(job, container port name, target labels) of every target Prometheus keeps for the pod."""
    found = []
    for job in scrape_config(m).get("scrape_configs", []):
        sd = [c for c in job.get("kubernetes_sd_configs", []) if c.get("role") == "pod"]
        if not sd:
            continue
        namespaces = [n for c in sd for n in (c.get("namespaces") or {}).get("names", [])]
        if namespaces and pod.namespace not in namespaces:
            continue
        for target in discovered(pod):
            kept = relabel(target, job.get("relabel_configs", []))
            if kept is None:
                continue
            visible = {k: v for k, v in kept.items() if not k.startswith("__")}
            visible.setdefault("job", job["job_name"])
            found.append(
                (job["job_name"], target["__meta_kubernetes_pod_container_port_name"], visible)
            )
    return found
