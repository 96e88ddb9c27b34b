"""Every selector and named reference in this repository's objects (and in what Flagger derives
from them) must find what it names among the pods and objects of the cluster model: the pods the
charts really render, not a description of them.

check(model) returns {key: problem}; a key names the object and the check. A cluster's variants
(model.build with overrides) are checked separately and a problem counts only when it shows in
every variant where the object exists (the HTTP-01 solver's policy has a pod to select only
while a Let's Encrypt issuer is chosen).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import fluxlib
import scrapes
from model import ClusterModel, Pod

APP_METRICS = Path(fluxlib.REPO_ROOT / "realworld" / "metrics.py")


def _where(obj: dict[str, Any]) -> str:
    return f"{obj['kind']} {fluxlib.namespace_of(obj) or '-'}/{obj['metadata']['name']}"


def _own_objects(m: ClusterModel) -> list[dict[str, Any]]:
    return m.ours + fluxlib.flagger_generated(m.ours)


def _named_port_on(pods: list[Pod], port: Any, protocol: str = "TCP") -> bool:
    if isinstance(port, int) or str(port).isdigit():
        return True
    return any(p.resolve(port, protocol, regular_only=True) is not None for p in pods)


def _workload(m: ClusterModel, kind: str, name: str, namespace: str | None) -> list[Pod]:
    return [p for p in m.pods if p.kind == kind and p.name == name and p.namespace == namespace]


def _peer_pods(m: ClusterModel, policy: dict[str, Any], peer: dict[str, Any]) -> list[Pod] | None:
    """Pods a NetworkPolicy peer selects; None for an ipBlock."""
    if "ipBlock" in peer:
        return None
    if "namespaceSelector" in peer:
        namespaces = [
            n
            for n in m.namespaces
            if fluxlib.selector_matches(peer["namespaceSelector"], m.namespace_labels(n))
        ]
    else:
        namespaces = [fluxlib.namespace_of(policy) or ""]
    return [
        p
        for n in namespaces
        for p in m.pods_in(n)
        if fluxlib.selector_matches(peer.get("podSelector") or {}, p.labels)
    ]


def check(m: ClusterModel) -> dict[str, str]:
    problems: dict[str, str] = {}

    def need(condition: bool, key: str, problem: str) -> None:
        if not condition:
            problems[key] = problem

    for obj in _own_objects(m):
        kind, ns, where = obj.get("kind"), fluxlib.namespace_of(obj), _where(obj)
        spec = obj.get("spec") or {}
        if kind == "Service" and spec.get("selector"):
            pods = m.selected_pods(ns or "", {"matchLabels": spec["selector"]})
            need(bool(pods), f"{where}: selector", f"{where} selects no pod")
            for port in spec.get("ports", []):
                target = port.get("targetPort", port["port"])
                need(
                    not pods or _named_port_on(pods, target, port.get("protocol", "TCP")),
                    f"{where}: targetPort {target}",
                    f"{where}: no selected pod has a port named {target}",
                )
        if kind == "PodDisruptionBudget":
            need(
                bool(m.selected_pods(ns or "", spec["selector"])),
                f"{where}: selector",
                f"{where} selects no pod",
            )
        if kind == "HorizontalPodAutoscaler":
            ref = spec["scaleTargetRef"]
            need(
                bool(_workload(m, ref["kind"], ref["name"], ns)),
                f"{where}: scaleTargetRef",
                f"{where} scales {ref['kind']} {ref['name']}, which runs no pod",
            )
        if kind == "Canary":
            target = _workload(m, spec["targetRef"]["kind"], spec["targetRef"]["name"], ns)
            need(bool(target), f"{where}: targetRef", f"{where}: no {spec['targetRef']}")
            if "autoscalerRef" in spec:
                ref = spec["autoscalerRef"]
                need(
                    fluxlib.find(m.ours, ref["kind"], ref["name"], ns) is not None,
                    f"{where}: autoscalerRef",
                    f"{where}: no {ref}",
                )
            port = spec["service"].get("targetPort", spec["service"]["port"])
            need(
                not target or _named_port_on(target, port),
                f"{where}: service.targetPort",
                f"{where}: the target's pods have no port {port}",
            )
        if kind == "NetworkPolicy":
            selected = m.selected_pods(ns or "", spec.get("podSelector") or {})
            need(bool(selected), f"{where}: podSelector", f"{where} selects no pod")
            for direction, peers_key in (("ingress", "from"), ("egress", "to")):
                for index, rule in enumerate(spec.get(direction, [])):
                    peer_pods: list[Pod] = []
                    for peer in rule.get(peers_key, []):
                        if "namespaceSelector" in peer:
                            matched = [
                                n
                                for n in m.namespaces
                                if fluxlib.selector_matches(
                                    peer["namespaceSelector"], m.namespace_labels(n)
                                )
                            ]
                            need(
                                bool(matched),
                                f"{where}: {direction}[{index}] namespaceSelector {peer['namespaceSelector']}",
                                f"{where}: {direction} peer {peer['namespaceSelector']} matches no namespace",
                            )
                        found = _peer_pods(m, obj, peer)
                        if found is None:
                            continue
                        need(
                            bool(found),
                            f"{where}: {direction}[{index}] peer {peer}",
                            f"{where}: {direction} peer {peer} matches no pod",
                        )
                        peer_pods += found
                    # Named ports name a port of the destination: the selected pods for
                    # ingress, the peers for egress.
                    destinations = selected if direction == "ingress" else peer_pods
                    for port in rule.get("ports", []):
                        if "port" in port and destinations:
                            need(
                                _named_port_on(
                                    destinations, port["port"], port.get("protocol", "TCP")
                                ),
                                f"{where}: {direction}[{index}] port {port['port']}",
                                f"{where}: no destination pod has a port named {port['port']}",
                            )
        if kind == "Server":
            pods = m.selected_pods(ns or "", spec.get("podSelector") or {})
            need(bool(pods), f"{where}: podSelector", f"{where} selects no pod")
            # linkerd applies only the oldest Server on a pod port and warns about the others.
            for other in m.of_kind("Server"):
                if other is obj or fluxlib.namespace_of(other) != ns:
                    continue
                overlap = [
                    p
                    for p in pods
                    if fluxlib.selector_matches(other["spec"].get("podSelector") or {}, p.labels)
                    and p.resolve(other["spec"]["port"]) == p.resolve(spec["port"])
                ]
                need(
                    not overlap,
                    f"{where}: overlaps {other['metadata']['name']}",
                    f"{where} and Server {other['metadata']['name']} claim the same pod port",
                )
            need(
                not pods or all(p.resolve(spec["port"]) is not None for p in pods),
                f"{where}: port",
                f"{where}: a selected pod has no port {spec['port']}",
            )
        if kind == "AuthorizationPolicy":
            ref = spec["targetRef"]
            if ref["kind"] in ("Server", "HTTPRoute"):
                need(
                    m.find(ref["kind"], ref["name"], ns) is not None,
                    f"{where}: targetRef",
                    f"{where} targets {ref['kind']} {ref['name']}, which does not exist",
                )
            for auth in spec.get("requiredAuthenticationRefs", []):
                if auth["kind"] == "ServiceAccount":
                    auth_ns = auth.get("namespace", ns)
                    runs_as = [
                        p
                        for p in m.pods_in(auth_ns or "")
                        if p.service_account == auth["name"] and p.meshed
                    ]
                    need(
                        m.find("ServiceAccount", auth["name"], auth_ns) is not None
                        and bool(runs_as),
                        f"{where}: ServiceAccount {auth_ns}/{auth['name']}",
                        f"{where}: no meshed pod runs as ServiceAccount {auth_ns}/{auth['name']}",
                    )
        if kind == "Ingress":
            for rule in spec.get("rules", []):
                for path in rule["http"]["paths"]:
                    backend = path["backend"]["service"]
                    service = m.find("Service", backend["name"], ns)
                    port = backend["port"].get("name") or backend["port"].get("number")
                    need(
                        service is not None
                        and any(
                            port in (p.get("name"), p["port"]) for p in service["spec"]["ports"]
                        ),
                        f"{where}: backend {backend['name']}:{port}",
                        f"{where}: no Service port {backend['name']}:{port}",
                    )
        if kind == "HTTPRoute":
            for parent in spec.get("parentRefs", []):
                if parent.get("kind") == "Service":
                    need(
                        m.find("Service", parent["name"], parent.get("namespace", ns)) is not None,
                        f"{where}: parentRef {parent['name']}",
                        f"{where}: parent Service {parent['name']} does not exist",
                    )
            for rule in spec.get("rules", []):
                for backend in rule.get("backendRefs", []):
                    need(
                        m.find("Service", backend["name"], backend.get("namespace", ns))
                        is not None,
                        f"{where}: backendRef {backend['name']}",
                        f"{where}: backend Service {backend['name']} does not exist",
                    )
    problems.update(metric_template_problems(m))
    return problems


# --------------------------------------------------------------------------- MetricTemplates

# metric{label="value", ...}: values may hold braces (the {{ target }} placeholders).
_SELECTOR = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[^{}"]|"[^"]*")*)\}')
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"')


def _app_metric(name: str) -> bool:
    """A series the app itself exports (realworld/metrics.py), on its `metrics` port."""
    base = re.sub(r"_(total|bucket|sum|count|created)$", "", name)
    return f'"{base}"' in APP_METRICS.read_text()


def _matches(op: str, value: str, actual: str | None) -> bool:
    actual = actual or ""
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    found = re.fullmatch(value, actual) is not None
    return found if op == "=~" else not found


def metric_template_problems(m: ClusterModel) -> dict[str, str]:
    """For each MetricTemplate a Canary uses: Prometheus keeps a target of the canary's pods on
    the port that exports each queried metric, and the target labels it gives that series
    satisfy every matcher the template fills from the Canary ({{ target }}, {{ namespace }})."""
    problems = {}
    admin_port = next(
        p["name"]
        for p in m.mesh.proxy.get("ports", [])
        if int(p["containerPort"]) in m.mesh.meta_ports and "admin" in p["name"]
    )
    for canary in fluxlib.of_kind(m.ours, "Canary"):
        ns = fluxlib.namespace_of(canary) or ""
        target_name = canary["spec"]["targetRef"]["name"]
        (pod,) = _workload(m, canary["spec"]["targetRef"]["kind"], target_name, ns)
        series = scrapes.series_labels(m, pod)
        for metric in canary["spec"]["analysis"].get("metrics", []):
            ref = metric.get("templateRef")
            if not ref:
                continue
            template = m.find("MetricTemplate", ref["name"], ref.get("namespace", ns))
            if template is None:
                problems[f"Canary {ns}/{target_name}: {ref['name']}"] = f"no MetricTemplate {ref}"
                continue
            query = template["spec"]["query"]
            for name, body in _SELECTOR.findall(query):
                port = "metrics" if name.startswith("realworld_") else admin_port
                key = f"MetricTemplate {ref['name']}: {name}"
                if name.startswith("realworld_") and not _app_metric(name):
                    problems[key] = f"{name}: realworld/metrics.py exports no such metric"
                    continue
                kept = [labels for _, port_name, labels in series if port_name == port]
                if not kept:
                    problems[key] = f"{name}: Prometheus keeps no target on {pod.ref} port {port}"
                    continue
                for label, op, value in _MATCHER.findall(body):
                    if "{{" not in value:
                        continue  # a label of the metric itself (direction, status, ...)
                    wanted = value.replace("{{ target }}", target_name).replace(
                        "{{ namespace }}", ns
                    )
                    if not any(_matches(op, wanted, labels.get(label)) for labels in kept):
                        seen = sorted({labels.get(label, "<absent>") for labels in kept})
                        problems[f"{key}: {label}"] = (
                            f'{name}{{{label}{op}"{wanted}"}}: the scrape of {pod.ref}:{port} '
                            f"gives {label}={seen}"
                        )
    return problems
