"""Every connection the platform needs, and the ones it must refuse, evaluated over the model of
each cluster (model.py) the way the cluster will: Kubernetes NetworkPolicy semantics on both
ends, and linkerd's inbound policy where the server has a proxy.

The semantics, and where they were read:
  - NetworkPolicy (networking.k8s.io/v1): a pod is isolated for a direction once any policy
    of that type selects it; then some rule of some such policy must admit the peer (pod and
    namespace selectors, ipBlock) and the port. Named ports are looked up on the destination
    pod's spec.containers only, in both directions: kindnetd's kube-network-policies
    (networkpolicy.go evaluatePorts, api/helper.go) and EKS's amazon-network-policy-controller
    (pod_utils.go LookupContainerPortAndName). The EKS controller resolves an ingress rule's
    named port once over all the pods the policy selects; the model resolves it per pod, the
    same thing while those pods share their ports (Flagger's primary and canary do).
  - linkerd edge-26.8.3, `outboundTransportMode: transport-header` (from the rendered chart):
    a meshed client's proxy connects to a meshed server's proxy inbound port (4143, read from
    the rendered proxy) with a transport header carrying the real port, for Service and pod
    addresses alike; the real port is on the wire when the server skips it inbound, when it
    is the proxy's admin or control port, or when either side has no proxy or the client skips
    it outbound (controller/api/destination/endpoint_translator.go createWeightedAddr). The
    proxy's own connections to the control plane go out on their real ports.
  - linkerd inbound policy (policy-controller/k8s/index inbound/index.rs): a Server selecting
    the pod and port admits only what an AuthorizationPolicy on it (or its namespace)
    authenticates, else its accessPolicy (default deny); without a Server the pod's
    default-inbound-policy annotation, else the cluster default, decides.

`make flux-check` prints the matrix (python flows.py); test_flows.py asserts it.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import fluxlib
import model as cluster_model
from model import ClusterModel, Pod

# Representative addresses. Pods: the pod network (EKS: the VPC, VPC CNI; kind: its pod subnet),
# inside linkerd's clusterNetworks. Outside: documentation ranges standing for public hosts.
POD_ADDRESS = "10.0.100.10"


@dataclass(frozen=True)
class Outside:
    name: str
    address: str


INTERNET_CLIENT = Outside("a client on the internet", "203.0.113.10")
AWS_API = Outside("AWS Secrets Manager (public endpoint)", "198.51.100.20")
SENTRY = Outside("Sentry's ingest (public)", "198.51.100.30")
PUBLIC_HOST = Outside("the public host name (the NLB)", "198.51.100.40")
METADATA = Outside("the EC2 instance metadata service", "169.254.169.254")
RDS = Outside("RDS PostgreSQL (in the VPC)", "10.0.200.10")


@dataclass(frozen=True)
class ToPod:
    namespace: str
    name: str
    port: int | str


@dataclass(frozen=True)
class ToService:
    namespace: str
    name: str
    port: int | str  # the Service port (number or name)


@dataclass(frozen=True)
class ToOutside:
    outside: Outside
    port: int


Target = ToPod | ToService | ToOutside


@dataclass
class Flow:
    name: str
    source: Pod | Outside
    target: Target
    allowed: bool  # what the platform needs: True must connect, False must be refused
    protocol: str = "TCP"
    proxy_control: bool = False  # opened by the source's linkerd proxy itself


@dataclass
class Hop:
    """One connection to one destination pod (or outside address)."""

    destination: str
    wire_port: int | None
    egress: str
    ingress: str
    linkerd: str
    allowed: bool
    problem: str = ""


@dataclass
class Verdict:
    flow: Flow
    hops: list[Hop] = field(default_factory=list)
    problem: str = ""  # the flow could not be resolved (no such Service, no pod)

    @property
    def allowed(self) -> bool:
        return bool(self.hops) and all(h.allowed for h in self.hops)

    @property
    def denied(self) -> bool:
        return bool(self.hops) and not any(h.allowed for h in self.hops)

    @property
    def ok(self) -> bool:
        if self.problem:
            return False
        return self.allowed if self.flow.allowed else self.denied


# --------------------------------------------------------------------------- addresses


def _in_block(address: str, block: dict[str, Any]) -> bool:
    ip = ipaddress.ip_address(address)
    if ip not in ipaddress.ip_network(block["cidr"]):
        return False
    return not any(ip in ipaddress.ip_network(e) for e in block.get("except", []))


def _address(end: Pod | Outside) -> str:
    return end.address if isinstance(end, Outside) else POD_ADDRESS


def _ports_annotation(pod: Pod, key: str) -> set[int]:
    found: set[int] = set()
    for part in str(pod.annotations.get(key, "")).split(","):
        part = part.strip()
        if "-" in part:
            low, high = part.split("-")
            found |= set(range(int(low), int(high) + 1))
        elif part:
            found.add(int(part))
    return found


# --------------------------------------------------------------------------- NetworkPolicy


def _policies(m: ClusterModel, pod: Pod, direction: str) -> list[dict[str, Any]]:
    selecting = []
    for policy in m.of_kind("NetworkPolicy"):
        if fluxlib.namespace_of(policy) != pod.namespace:
            continue
        spec = policy["spec"]
        types = spec.get("policyTypes") or (["Ingress"] + (["Egress"] if "egress" in spec else []))
        if direction in types and fluxlib.selector_matches(
            spec.get("podSelector") or {}, pod.labels
        ):
            selecting.append(policy)
    return selecting


def _peer_matches(
    m: ClusterModel, policy_ns: str, peer: dict[str, Any], other: Pod | Outside
) -> bool:
    if "ipBlock" in peer:
        return _in_block(_address(other), peer["ipBlock"])
    if isinstance(other, Outside):
        return False
    if "namespaceSelector" in peer:
        if not fluxlib.selector_matches(
            peer["namespaceSelector"], m.namespace_labels(other.namespace)
        ):
            return False
    elif other.namespace != policy_ns:
        return False
    return fluxlib.selector_matches(peer.get("podSelector") or {}, other.labels)


def _port_matches(
    rule_port: dict[str, Any], wire: int, protocol: str, destination: Pod | None
) -> bool:
    if rule_port.get("protocol", "TCP") != protocol:
        return False
    if "port" not in rule_port:
        return True
    port = rule_port["port"]
    if isinstance(port, str) and not port.isdigit():
        if destination is None:
            return False
        number = destination.resolve(port, protocol, regular_only=True)
        return number == wire
    low = int(port)
    return low <= wire <= int(rule_port.get("endPort", low))


def _network_policy(
    m: ClusterModel,
    subject: Pod,
    direction: str,
    peer: Pod | Outside,
    wire: int,
    protocol: str,
    destination: Pod | None,
) -> tuple[bool, str]:
    policies = _policies(m, subject, direction)
    if not policies:
        return True, f"no {direction.lower()} policy selects {subject.name}"
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    admitting = []
    for policy in policies:
        for rule in policy["spec"].get(key, []):
            peers = rule.get(peers_key)
            peer_ok = not peers or any(_peer_matches(m, subject.namespace, p, peer) for p in peers)
            ports = rule.get("ports")
            port_ok = not ports or any(_port_matches(p, wire, protocol, destination) for p in ports)
            if peer_ok and port_ok:
                admitting.append(policy["metadata"]["name"])
                break
    if admitting:
        return True, "+".join(sorted(set(admitting)))
    names = ",".join(sorted(p["metadata"]["name"] for p in policies))
    return False, f"DENIED ({names} select {subject.name}, no rule admits {protocol}/{wire})"


# --------------------------------------------------------------------------- linkerd


def _identity(client: Pod | Outside, through_proxy: bool) -> tuple[str, str] | None:
    """The client's mTLS identity as (namespace, ServiceAccount), if its proxy carries it."""
    if isinstance(client, Outside) or not client.meshed or not through_proxy:
        return None
    return client.namespace, client.service_account


def _authenticated(
    m: ClusterModel,
    ref: dict[str, Any],
    policy_ns: str,
    identity: tuple[str, str] | None,
    address: str,
) -> bool:
    kind = ref["kind"]
    ns = ref.get("namespace", policy_ns)
    if kind == "ServiceAccount":
        return identity == (ns, ref["name"])
    if kind == "MeshTLSAuthentication":
        auth = m.find("MeshTLSAuthentication", ref["name"], ns)
        if auth is None or identity is None:
            return False
        spec = auth["spec"]
        name = (
            f"{identity[1]}.{identity[0]}.serviceaccount.identity.{m.mesh.namespace}.cluster.local"
        )
        if any(i == "*" or i == name for i in spec.get("identities", [])):
            return True
        for target in spec.get("identityRefs", []):
            target_ns = target.get("namespace", ns)
            if target["kind"] == "ServiceAccount" and (target_ns, target["name"]) == identity:
                return True
            if target["kind"] == "Namespace" and target["name"] == identity[0]:
                return True
        return False
    if kind == "NetworkAuthentication":
        auth = m.find("NetworkAuthentication", ref["name"], ns)
        return auth is not None and any(_in_block(address, n) for n in auth["spec"]["networks"])
    raise AssertionError(f"authentication kind {kind} is not modelled")


def _default_policy(
    mode: str, identity: tuple[str, str] | None, address: str, m: ClusterModel
) -> bool:
    in_cluster = any(ipaddress.ip_address(address) in n for n in m.mesh.cluster_networks)
    return {
        "all-unauthenticated": True,
        "audit": True,
        "all-authenticated": identity is not None,
        "cluster-unauthenticated": in_cluster,
        "cluster-authenticated": in_cluster and identity is not None,
        "deny": False,
    }[mode]


def _linkerd(
    m: ClusterModel, client: Pod | Outside, server: Pod, port: int, identity: tuple[str, str] | None
) -> tuple[bool, str]:
    address = _address(client)
    servers = []
    for candidate in m.of_kind("Server"):
        spec = candidate["spec"]
        if fluxlib.namespace_of(candidate) != server.namespace:
            continue
        if not fluxlib.selector_matches(spec.get("podSelector") or {}, server.labels):
            continue
        if server.resolve(spec["port"]) == port:
            servers.append(candidate)
    who = f"{identity[1]}.{identity[0]}" if identity else "unauthenticated client"
    # linkerd applies one Server per pod port (the oldest); two are a mistake references.py
    # reports, so the model need not guess which one wins.
    if not servers:
        mode = server.annotations.get(
            "config.linkerd.io/default-inbound-policy", m.mesh.default_policy
        )
        allowed = _default_policy(mode, identity, address, m)
        return allowed, f"default {mode}" + ("" if allowed else f": DENIED ({who})")
    for srv in servers:
        name = srv["metadata"]["name"]
        for policy in m.of_kind("AuthorizationPolicy"):
            ref = policy["spec"]["targetRef"]
            if fluxlib.namespace_of(policy) != server.namespace:
                continue
            targets = (ref["kind"] == "Server" and ref["name"] == name) or ref[
                "kind"
            ] == "Namespace"
            if targets and all(
                _authenticated(m, r, server.namespace, identity, address)
                for r in policy["spec"].get("requiredAuthenticationRefs", [])
            ):
                return True, f"Server {name}: {policy['metadata']['name']}"
        access = srv["spec"].get("accessPolicy", "deny")
        if access != "deny" and _default_policy(access, identity, address, m):
            return True, f"Server {name}: accessPolicy {access}"
    names = ",".join(s["metadata"]["name"] for s in servers)
    return False, f"DENIED (Server {names} authorizes no {who})"


# --------------------------------------------------------------------------- one hop


def _hop(m: ClusterModel, flow: Flow, destination: Pod | Outside, port: int) -> Hop:
    source = flow.source
    protocol = flow.protocol
    through_proxy = (
        isinstance(source, Pod)
        and source.meshed
        and not flow.proxy_control
        and port not in _ports_annotation(source, "config.linkerd.io/skip-outbound-ports")
    )
    wire = port
    reaches_proxy = False
    if isinstance(destination, Pod) and destination.meshed:
        skipped = port in _ports_annotation(destination, "config.linkerd.io/skip-inbound-ports")
        skipped |= port in m.mesh.ignore_inbound
        meta = port in m.mesh.meta_ports
        reaches_proxy = not skipped
        if (
            through_proxy
            and m.mesh.transport_header
            and not skipped
            and not meta
            and protocol == "TCP"
        ):
            wire = m.mesh.inbound_port
    label = destination.name if isinstance(destination, Outside) else destination.ref
    if isinstance(source, Pod):
        out_ok, egress = _network_policy(
            m,
            source,
            "Egress",
            destination,
            wire,
            protocol,
            destination if isinstance(destination, Pod) else None,
        )
    else:
        out_ok, egress = True, "outside the cluster"
    if isinstance(destination, Pod):
        in_ok, ingress = _network_policy(
            m, destination, "Ingress", source, wire, protocol, destination
        )
    else:
        in_ok, ingress = True, "outside the cluster"
    link_ok, linkerd = True, "no proxy on the server"
    if isinstance(destination, Pod) and destination.meshed:
        if reaches_proxy:
            identity = _identity(source, through_proxy or flow.proxy_control)
            link_ok, linkerd = _linkerd(m, source, destination, port, identity)
        else:
            linkerd = "skipped by the server's proxy"
    return Hop(label, wire, egress, ingress, linkerd, out_ok and in_ok and link_ok)


def evaluate(m: ClusterModel, flow: Flow) -> Verdict:
    verdict = Verdict(flow)
    target = flow.target
    try:
        if isinstance(target, ToOutside):
            verdict.hops.append(_hop(m, flow, target.outside, target.port))
        elif isinstance(target, ToPod):
            pod = m.pod(target.namespace, target.name)
            port = pod.resolve(target.port, flow.protocol)
            if port is None:
                verdict.problem = f"{pod.ref} has no port {target.port}/{flow.protocol}"
            else:
                verdict.hops.append(_hop(m, flow, pod, port))
        else:
            service, pods = m.service_pods(target.namespace, target.name)
            entry = next(
                (
                    p
                    for p in service["spec"]["ports"]
                    if target.port in (p.get("name"), p["port"])
                    and p.get("protocol", "TCP") == flow.protocol
                ),
                None,
            )
            if entry is None:
                verdict.problem = f"Service {target.namespace}/{target.name} has no port {target.port}/{flow.protocol}"
            elif not pods:
                verdict.problem = f"Service {target.namespace}/{target.name} selects no pod"
            for pod in pods if entry else []:
                port = pod.resolve(entry.get("targetPort", entry["port"]), flow.protocol)
                if port is None:
                    verdict.problem = f"{pod.ref} has no port {entry.get('targetPort')}"
                    continue
                verdict.hops.append(_hop(m, flow, pod, port))
    except KeyError as err:
        verdict.problem = str(err.args[0])
    return verdict


# --------------------------------------------------------------------------- the flows


def _service_at(url: str) -> ToService:
    """http://name.namespace[.svc[.cluster.local]][:port]/... -> the Service it names."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    name, _, rest = host.partition(".")
    namespace = rest.split(".")[0]
    return ToService(namespace, name, parts.port or (443 if parts.scheme == "https" else 80))


def _pod_behind(m: ClusterModel, target: ToService) -> Pod:
    _, pods = m.service_pods(target.namespace, target.name)
    if not pods:
        raise KeyError(f"Service {target.namespace}/{target.name} selects no pod")
    return pods[0]


def _edge(m: ClusterModel) -> tuple[Pod, ToService]:
    """The edge's pods and its public Service: the LoadBalancer (EKS) or NodePort (kind)."""
    public = [
        s
        for s in m.objects
        if s.get("kind") == "Service" and s["spec"].get("type") in ("LoadBalancer", "NodePort")
    ]
    if len(public) != 1:
        raise AssertionError(
            f"{m.label}: expected one public Service, found {[s['metadata']['name'] for s in public]}"
        )
    (service,) = public
    ns, name = fluxlib.namespace_of(service) or "", service["metadata"]["name"]
    return _pod_behind(m, ToService(ns, name, 443)), ToService(ns, name, 443)


def attached_routes(m: ClusterModel, gateway: dict[str, Any]) -> list[dict[str, Any]]:
    """The HTTPRoutes whose parentRefs name this Gateway."""
    gw_ns = fluxlib.namespace_of(gateway)
    return [
        route
        for route in m.of_kind("HTTPRoute")
        for ref in route["spec"].get("parentRefs", [])
        if ref.get("kind", "Gateway") == "Gateway"
        and ref["name"] == gateway["metadata"]["name"]
        and ref.get("namespace", fluxlib.namespace_of(route)) == gw_ns
    ]


STRANGER = "stranger"


def stranger(namespace: str = "default") -> Pod:
    """Any pod of a namespace that has no business with the app: no labels, no proxy."""
    return Pod(namespace, "Pod", STRANGER, {}, {}, {"containers": []}, "flow model")


def flows(m: ClusterModel) -> list[Flow]:
    """What the platform needs (allowed=True) and must refuse (allowed=False) in this model."""
    app_ns = "realworld"
    canary = fluxlib.find(m.ours, "Canary", "realworld", app_ns)
    assert canary is not None
    apex = canary["spec"]["service"].get("name", "realworld")
    primary = m.pod(app_ns, f"{canary['spec']['targetRef']['name']}-primary")
    canary_pod = m.pod(app_ns, canary["spec"]["targetRef"]["name"])
    loadtest = m.pod(app_ns, "realworld-loadtest")
    edge, edge_service = _edge(m)
    found: list[Flow] = [
        Flow("client -> edge (HTTPS)", INTERNET_CLIENT, edge_service, True),
        Flow(
            "client -> edge (HTTP, redirect and HTTP-01)",
            INTERNET_CLIENT,
            ToService(edge_service.namespace, edge_service.name, 80),
            True,
        ),
    ]
    # Envoy's configuration (xDS) comes from its controller's Service, outside linkerd
    # (skip-outbound-ports on the Envoy pods: Envoy Gateway's own mutual TLS).
    controller = next(
        (o for r, o in m.chart_objects if o["kind"] == "Service" and r == "envoy-gateway"), None
    )
    if controller is not None:
        found.append(
            Flow(
                "edge -> its controller (xDS)",
                edge,
                ToService(
                    fluxlib.namespace_of(controller) or "", controller["metadata"]["name"], 18000
                ),
                True,
            )
        )
    # The edge sends every request to the apex Service (the Gateway's route's backend), which
    # linkerd splits by Flagger's HTTPRoute between the primary and the canary Services.
    for gateway in m.of_kind("Gateway"):
        for route in attached_routes(m, gateway):
            for rule in route["spec"].get("rules", []):
                for backend in rule.get("backendRefs", []):
                    found.append(
                        Flow(
                            f"edge -> {backend['name']} (HTTPRoute {route['metadata']['name']})",
                            edge,
                            ToService(
                                backend.get("namespace", fluxlib.namespace_of(route)) or "",
                                backend["name"],
                                backend["port"],
                            ),
                            True,
                        )
                    )
    route = fluxlib.find(fluxlib.flagger_generated(m.ours), "HTTPRoute", apex, app_ns)
    for ref in route["spec"]["rules"][0]["backendRefs"]:
        found.append(
            Flow(
                f"edge -> {ref['name']} (HTTPRoute)",
                edge,
                ToService(app_ns, ref["name"], ref["port"]),
                True,
            )
        )

    # Flagger, its load tester and the in-namespace load generator.
    flagger_values = fluxlib.find(m.ours, "HelmRelease", "flagger", "flagger-system")["spec"][
        "values"
    ]
    flagger = m.pod("flagger-system", "flagger")
    prometheus_service = _service_at(flagger_values["metricsServer"])
    prometheus = _pod_behind(m, prometheus_service)
    found.append(Flow("Flagger -> Prometheus (metricsServer)", flagger, prometheus_service, True))
    for template in m.of_kind("MetricTemplate"):
        address = template["spec"]["provider"]["address"]
        found.append(
            Flow(
                f"Flagger -> {template['metadata']['name']} provider",
                flagger,
                _service_at(address),
                True,
            )
        )
    hooks = canary["spec"]["analysis"].get("webhooks", [])
    for hook in hooks:
        loadtester_service = _service_at(hook["url"])
        found.append(Flow(f"Flagger -> webhook {hook['name']}", flagger, loadtester_service, True))
        runner = _pod_behind(m, loadtester_service)
        for url in sorted(set(re.findall(r"http://[^\s'\"/$]+", hook["metadata"].get("cmd", "")))):
            found.append(
                Flow(f"{hook['name']} ({runner.name}) -> {url}", runner, _service_at(url), True)
            )
    loadtester = _pod_behind(m, _service_at(hooks[0]["url"]))
    locust_host = next(
        e["value"]
        for c in loadtest.spec["containers"]
        for e in c.get("env", [])
        if e["name"] == "LOCUST_HOST"
    )
    found.append(
        Flow("realworld-loadtest -> LOCUST_HOST", loadtest, _service_at(locust_host), True)
    )

    # Metrics: linkerd-viz's Prometheus scrapes the app's port and every proxy's admin port.
    for pod in (primary, canary_pod):
        found.append(
            Flow(
                f"Prometheus -> {pod.name}:metrics",
                prometheus,
                ToPod(app_ns, pod.name, "metrics"),
                True,
            )
        )
    for pod in (primary, canary_pod, loadtest):
        found.append(
            Flow(
                f"Prometheus -> {pod.name}:linkerd-admin",
                prometheus,
                ToPod(app_ns, pod.name, "linkerd-admin"),
                True,
            )
        )
    grafana_values = fluxlib.find(m.ours, "HelmRelease", "grafana", "grafana")["spec"]["values"]
    for source in grafana_values["datasources"]["datasources.yaml"]["datasources"]:
        found.append(
            Flow(
                f"Grafana -> data source {source['name']}",
                m.pod("grafana", "grafana"),
                _service_at(source["url"]),
                True,
            )
        )

    # What every app pod needs: DNS, the linkerd control plane, the database.
    for pod in (primary, canary_pod, loadtest, loadtester):
        for protocol in ("UDP", "TCP"):
            found.append(
                Flow(
                    f"{pod.name} -> DNS ({protocol})",
                    pod,
                    ToService("kube-system", "kube-dns", 53),
                    True,
                    protocol=protocol,
                )
            )
        for service, service_ns, port in m.mesh.control_plane:
            found.append(
                Flow(
                    f"{pod.name} proxy -> {service}:{port}",
                    pod,
                    ToService(service_ns, service, port),
                    True,
                    proxy_control=True,
                )
            )
    db_port = int(m.variables["DB_PORT"])
    db_host = m.variables["DB_HOST"]
    db_service = db_host.split(".")
    if len(db_service) >= 2 and m.find("Service", db_service[0], db_service[1]) is not None:
        database: Target = ToService(db_service[1], db_service[0], db_port)
    else:
        database = ToOutside(RDS, db_port)
    for pod in (primary, canary_pod):
        found.append(Flow(f"{pod.name} -> database", pod, database, True))
    # The load generators never: they run arbitrary load (and the Canary's shell).
    for pod in (loadtest, loadtester):
        found.append(Flow(f"{pod.name} -> database", pod, database, False))
    if isinstance(database, ToService):
        # In the cluster (kind) only the app's pods may; RDS on EKS admits the nodes (its
        # security group), so there the NetworkPolicies of each namespace are what decides.
        found.append(Flow(f"{STRANGER} (default) -> database", stranger(), database, False))

    # AWS: External Secrets reads Secrets Manager where a store points there (not on kind).
    if any("aws" in s["spec"]["provider"] for s in m.of_kind("ClusterSecretStore")):
        found.append(
            Flow(
                "External Secrets -> AWS Secrets Manager",
                m.pod("external-secrets", "external-secrets"),
                ToOutside(AWS_API, 443),
                True,
            )
        )
    # Error tracking opens HTTPS to public addresses from the app only while it is enabled.
    enabled = m.variables.get("ERROR_TRACKING", "disabled") == "enabled" and m.cluster == "takehome"
    found.append(
        Flow("realworld-primary -> Sentry (HTTPS)", primary, ToOutside(SENTRY, 443), enabled)
    )
    found.append(
        Flow("realworld-loadtest -> Sentry (HTTPS)", loadtest, ToOutside(SENTRY, 443), False)
    )
    found.append(
        Flow("realworld-primary -> instance metadata", primary, ToOutside(METADATA, 80), False)
    )

    # cert-manager's HTTP-01 solver (an ACME issuer chosen by INGRESS_CLUSTER_ISSUER).
    for solver in (p for p in m.pods if p.origin == "cert-manager (run time)"):
        found.append(
            Flow(
                f"edge -> HTTP-01 solver {solver.ref}",
                edge,
                ToPod(solver.namespace, solver.name, cluster_model.ACME_SOLVER_PORT),
                True,
            )
        )
        found.append(
            Flow(
                "cert-manager self-check -> public host:80",
                m.pod("cert-manager", "cert-manager"),
                ToOutside(PUBLIC_HOST, 80),
                True,
            )
        )
        found.append(
            Flow(
                f"{STRANGER} (default) -> HTTP-01 solver",
                stranger(),
                ToPod(solver.namespace, solver.name, cluster_model.ACME_SOLVER_PORT),
                False,
            )
        )

    # Refused: the metrics port to anyone but Prometheus, the app to other namespaces.
    for source in (INTERNET_CLIENT, edge, loadtest, stranger()):
        name = source.name if isinstance(source, Pod) else "internet"
        found.append(
            Flow(
                f"{name} -> {primary.name}:metrics",
                source,
                ToPod(app_ns, primary.name, "metrics"),
                False,
            )
        )
    for source in (stranger(), m.pod("grafana", "grafana"), stranger("flagger-system")):
        found.append(
            Flow(
                f"{source.name} ({source.namespace}) -> {apex} Service",
                source,
                ToService(app_ns, apex, 80),
                False,
            )
        )
    return found


# --------------------------------------------------------------------------- the matrix

VARIANTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("takehome", {}),
    ("takehome", {"ERROR_TRACKING": "disabled", "NOTIFICATIONS": "disabled"}),
    ("takehome", {"INGRESS_CLUSTER_ISSUER": "letsencrypt-staging"}),
    ("kind", {}),
)


def verdicts(cluster: str, overrides: dict[str, str]) -> tuple[ClusterModel, list[Verdict]]:
    m = cluster_model.build(cluster, overrides)
    return m, [evaluate(m, f) for f in flows(m)]


def _cell(hop: Hop) -> str:
    return f"wire {hop.wire_port}; egress: {hop.egress}; ingress: {hop.ingress}; linkerd: {hop.linkerd}"


def matrix_lines(m: ClusterModel, results: list[Verdict]) -> list[str]:
    lines = [f"--- {m.label}: {sum(v.ok for v in results)}/{len(results)} flows as required"]
    for v in results:
        want = "allow" if v.flow.allowed else "deny "
        status = "ok  " if v.ok else "FAIL"
        lines.append(f"{status} {want} {v.flow.name}")
        if v.problem:
            lines.append(f"       !! {v.problem}")
        for hop in v.hops:
            mark = "->" if hop.allowed else "x "
            lines.append(f"       {mark} {hop.destination}: {_cell(hop)}")
    return lines


def main() -> int:
    failed = 0
    for cluster, overrides in VARIANTS:
        m, results = verdicts(cluster, overrides)
        print("\n".join(matrix_lines(m, results)))
        failed += sum(not v.ok for v in results)
    print(f"flow-matrix: {'OK' if not failed else f'{failed} flows FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
