"""One model of each cluster (EKS `takehome`, `kind`): every object and every pod that will run,
with the labels, named ports, ServiceAccount and mesh membership it will really have.

Where each part comes from:
  - this repository: what each Flux Kustomization applies, substituted (fluxlib);
  - the charts: every HelmRelease rendered from shared/charts as helm-controller would
    (charts.py); nothing a chart renders is typed here;
  - Flagger: the primary Deployment and HPA, the three Services and the HTTPRoute it derives
    from each Canary (fluxlib.flagger_generated, after pkg/canary and pkg/router);
  - linkerd's proxy injector, replayed on every pod: its webhook's selectors and the
    configuration (proxy ports, default policy, transport mode) come from the rendered
    linkerd-control-plane chart; the decision and the labels it adds follow linkerd2
    edge-26.8.3 pkg/inject (inject.go, report.go);
  - Envoy Gateway's data plane: for each Gateway of a class its controller serves, the Envoy
    Deployment and Service it creates at run time (envoy_gateway_objects: labels, ports and
    names from envoyproxy/gateway v1.9.0, as cited there, and the EnvoyProxy's settings);
  - cert-manager's HTTP-01 solver pod, when a Gateway names an ACME issuer that solves through
    a Gateway HTTPRoute: created at run time in the Gateway's namespace with the labels and port
    of cert-manager v1.21.1 pkg/issuer/acme/http/pod.go, plus the issuer's podTemplate;
  - platform.yaml: the cluster's DNS (CoreDNS), the only pods from none of the above.
"""

from __future__ import annotations

import copy
import functools
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charts
import fluxlib
import yaml

EDGE_ORIGIN = "Envoy Gateway (run time)"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod")
# Namespaces every cluster has before anything is applied (the API server creates them).
BUILT_IN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
# flux bootstrap creates flux-system (and the e2e workflow does on kind).
FLUX_NAMESPACE = "flux-system"

# cert-manager v1.21.1: pkg/issuer/acme/http/pod.go (podLabels, buildDefaultPod) and
# http.go (acmeSolverListenPort); pkg/apis/acme/v1/types.go for the label keys.
ACME_SOLVER_LABEL = "acme.cert-manager.io/http01-solver"
ACME_SOLVER_PORT = 8089
ACME_SOLVER_ANNOTATIONS = {
    "sidecar.istio.io/inject": "false",
    "cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
}


@dataclass
class Pod:
    namespace: str
    kind: str  # the workload that creates it: Deployment, DaemonSet, Pod (cert-manager's solver)...
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]
    spec: dict[str, Any]  # the pod spec, after linkerd's injection
    origin: str  # repository, chart <release>, Flagger, platform, cert-manager (run time)

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def service_account(self) -> str:
        return str(self.spec.get("serviceAccountName") or "default")

    @property
    def meshed(self) -> bool:
        return any(c["name"] == "linkerd-proxy" for c in containers(self.spec))

    def ports(self, regular_only: bool = False) -> list[tuple[str | None, int, str]]:
        """(name, number, protocol) of every declared container port."""
        found = []
        for container in self.spec.get("containers", []) if regular_only else containers(self.spec):
            for port in container.get("ports", []):
                found.append(
                    (port.get("name"), int(port["containerPort"]), port.get("protocol", "TCP"))
                )
        return found

    def resolve(
        self, port: int | str, protocol: str = "TCP", regular_only: bool = False
    ) -> int | None:
        """A port number, or a named port of this pod. kube-network-policies (kindnetd) looks
        named ports up on spec.containers only, so NetworkPolicy checks pass regular_only."""
        if isinstance(port, int) or str(port).isdigit():
            return int(port)
        for name, number, proto in self.ports(regular_only):
            if name == port and proto == protocol:
                return number
        return None


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(spec.get("initContainers", [])) + list(spec.get("containers", []))


@dataclass
class Mesh:
    """linkerd as the rendered linkerd-control-plane chart configures it."""

    namespace: str
    proxy: dict[str, Any]  # the container the injector adds (rendered by the same partial)
    inbound_port: int
    meta_ports: set[int]  # the proxy's admin and control ports: never redirected or tagged
    transport_header: bool  # destination -outbound-transport-mode=transport-header
    default_policy: str
    cluster_networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
    ignore_inbound: set[int]
    token_projection: bool
    webhook: dict[str, Any]  # the injector's MutatingWebhookConfiguration entry
    control_plane: list[tuple[str, str, int]]  # (service, namespace, port) the proxy dials


@dataclass
class ClusterModel:
    cluster: str
    overrides: dict[str, str]
    objects: list[dict[str, Any]]  # ours + charts + Flagger's + run time + platform
    ours: list[dict[str, Any]]  # what this repository applies (no chart output)
    chart_objects: list[tuple[str, dict[str, Any]]]  # (HelmRelease, object)
    pods: list[Pod]
    namespaces: dict[str, dict[str, Any]]  # name -> {"labels":..., "annotations":...}
    mesh: Mesh
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in sorted(self.overrides.items()))
        return self.cluster + (f" [{extra}]" if extra else "")

    def pods_in(self, namespace: str) -> list[Pod]:
        return [p for p in self.pods if p.namespace == namespace]

    def pod(self, namespace: str, name: str) -> Pod:
        for candidate in self.pods:
            if candidate.namespace == namespace and candidate.name == name:
                return candidate
        raise KeyError(f"{self.label}: no workload {namespace}/{name} in the model")

    def find(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        return fluxlib.find(self.objects, kind, name, namespace)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return fluxlib.of_kind(self.objects, kind)

    def namespace_labels(self, namespace: str) -> dict[str, str]:
        return dict(self.namespaces.get(namespace, {}).get("labels") or {})

    def selected_pods(self, namespace: str, selector: dict[str, Any]) -> list[Pod]:
        return [p for p in self.pods_in(namespace) if fluxlib.selector_matches(selector, p.labels)]

    def service_pods(self, namespace: str, name: str) -> tuple[dict[str, Any], list[Pod]]:
        service = self.find("Service", name, namespace)
        if service is None:
            raise KeyError(f"{self.label}: no Service {namespace}/{name}")
        selector = service["spec"].get("selector") or {}
        pods = self.selected_pods(namespace, {"matchLabels": selector}) if selector else []
        return service, pods


# --------------------------------------------------------------------------- building


def _platform_objects() -> list[dict[str, Any]]:
    return fluxlib.load_documents((Path(__file__).parent / "platform.yaml").read_text())


def _pod_template(obj: dict[str, Any]) -> dict[str, Any]:
    if obj["kind"] == "Pod":
        return obj
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]
    return obj["spec"]["template"]


def _mesh(chart_objects: list[tuple[str, dict[str, Any]]]) -> Mesh:
    objs = [o for _, o in chart_objects]
    config = next(
        (o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "linkerd-config"),
        None,
    )
    if config is None:
        raise AssertionError("the linkerd-control-plane chart rendered no linkerd-config")
    values = yaml.safe_load(config["data"]["values"])
    namespace = fluxlib.namespace_of(config) or "linkerd"
    # The injector's proxy is rendered by the same partial (_proxy.tpl) as the proxy of the
    # control plane's own injector pod, which, unlike destination and identity, dials every
    # control-plane Service remotely as an injected pod does.
    injector = next(
        o
        for o in objs
        if o["kind"] == "Deployment"
        and o["spec"]["template"]["metadata"]["labels"].get("linkerd.io/control-plane-component")
        == "proxy-injector"
    )
    proxy = next(
        c for c in containers(injector["spec"]["template"]["spec"]) if c["name"] == "linkerd-proxy"
    )
    env = {e["name"]: e.get("value", "") for e in proxy.get("env", [])}

    def listen_port(name: str) -> int:
        return int(env[name].rsplit(":", 1)[1])

    destination = next(
        c
        for o in objs
        if o["kind"] == "Deployment"
        for c in o["spec"]["template"]["spec"]["containers"]
        if c["name"] == "destination"
    )
    mode = next(
        a.split("=", 1)[1] for a in destination["args"] if a.startswith("-outbound-transport-mode=")
    )
    control_plane = []
    for variable in (
        "LINKERD2_PROXY_DESTINATION_SVC_ADDR",
        "LINKERD2_PROXY_IDENTITY_SVC_ADDR",
        "LINKERD2_PROXY_POLICY_SVC_ADDR",
    ):
        host, port = env[variable].rsplit(":", 1)
        service, service_ns = host.split(".")[:2]
        control_plane.append((service, service_ns, int(port)))
    webhook = next(
        w
        for o in objs
        if o["kind"] == "MutatingWebhookConfiguration"
        for w in o["webhooks"]
        if w["clientConfig"].get("service", {}).get("name") == "linkerd-proxy-injector"
    )
    networks = [
        ipaddress.ip_network(n.strip()) for n in str(values["clusterNetworks"]).split(",") if n
    ]
    return Mesh(
        namespace=namespace,
        proxy=proxy,
        inbound_port=listen_port("LINKERD2_PROXY_INBOUND_LISTEN_ADDR"),
        meta_ports={
            listen_port("LINKERD2_PROXY_ADMIN_LISTEN_ADDR"),
            listen_port("LINKERD2_PROXY_CONTROL_LISTEN_ADDR"),
        },
        transport_header=mode == "transport-header",
        default_policy=str(values["proxy"]["defaultInboundPolicy"]),
        cluster_networks=networks,
        ignore_inbound={
            int(p) for p in str(values["proxyInit"]["ignoreInboundPorts"]).split(",") if p
        },
        token_projection=bool(values["identity"]["serviceAccountTokenProjection"]),
        webhook=webhook,
        control_plane=control_plane,
    )


def _injected(pod: Pod, namespace: dict[str, Any], mesh: Mesh) -> bool:
    """Whether linkerd's proxy injector adds a proxy to this pod (linkerd2 edge-26.8.3:
    the webhook's namespace/object selectors, then pkg/inject/report.go Injectable and
    the namespace/pod annotation truth table)."""
    if pod.meshed or any(c["name"] == "linkerd-init" for c in containers(pod.spec)):
        return False  # rendered with its proxy already (the control plane)
    if not fluxlib.selector_matches(
        mesh.webhook.get("namespaceSelector") or {}, namespace.get("labels") or {}
    ) or not fluxlib.selector_matches(mesh.webhook.get("objectSelector") or {}, pod.labels):
        return False
    if pod.spec.get("hostNetwork"):
        return False
    if pod.spec.get("automountServiceAccountToken") is False and not mesh.token_projection:
        return False
    own = pod.annotations.get("linkerd.io/inject")
    inherited = (namespace.get("annotations") or {}).get("linkerd.io/inject")
    valid = (None, "enabled", "ingress", "disabled")
    if own not in valid or inherited not in valid or own == "disabled":
        return False  # an invalid value on either level blocks injection
    return own in ("enabled", "ingress") or (own is None and inherited in ("enabled", "ingress"))


def _inject(pod: Pod, namespace: dict[str, Any], mesh: Mesh) -> None:
    proxy = copy.deepcopy(mesh.proxy)
    pod.spec.setdefault("initContainers", []).insert(0, proxy)  # native sidecar
    pod.labels.update(
        {
            "linkerd.io/control-plane-ns": mesh.namespace,
            f"linkerd.io/proxy-{pod.kind.lower()}": pod.name,
            "linkerd.io/workload-ns": pod.namespace,
        }
    )
    # The injector copies the namespace's config annotations the pod lacks.
    for key, value in (namespace.get("annotations") or {}).items():
        if key.startswith("config.linkerd.io/") or key == "linkerd.io/inject":
            pod.annotations.setdefault(key, value)


# Envoy Gateway v1.9.0 (envoyproxy/gateway 39763b1c): the objects its Kubernetes provider
# creates for a Gateway, in the controller's namespace (not gateway-namespace mode):
#   internal/infrastructure/kubernetes/proxy/resource.go: EnvoyAppLabel (the three labels
#     below) and the `envoy` container's only declared ports, metrics (bootstrap.EnvoyStatsPort
#     19001) and readiness (bootstrap.EnvoyReadinessPort 19003); the `shutdown-manager`
#     container declares none;
#   internal/gatewayapi/translator.go: the owning-gateway labels; listener.go and helpers.go:
#     a listener's Service port is named `<protocol>-<port>` and targets the container port,
#     which is the listener port + wellKnownPortShift (10000) below 1024
#     (useListenerPortAsContainerPort false, the default);
#   resource_provider.go: the Deployment, Service and ServiceAccount names are the EnvoyProxy's
#     envoyDeployment/envoyService/envoyServiceAccount `name` (the model requires them: the
#     hashed default is not modelled), the Service selects the pod labels above.
ENVOY_APP_LABELS = {
    "app.kubernetes.io/name": "envoy",
    "app.kubernetes.io/component": "proxy",
    "app.kubernetes.io/managed-by": "envoy-gateway",
}
OWNING_GATEWAY_NAME = "gateway.envoyproxy.io/owning-gateway-name"
OWNING_GATEWAY_NAMESPACE = "gateway.envoyproxy.io/owning-gateway-namespace"
ENVOY_PORTS = [("metrics", 19001), ("readiness", 19003)]
WELL_KNOWN_PORT_SHIFT = 10000


def envoy_gateway_objects(
    objects: list[dict[str, Any]], chart_objects: list[tuple[str, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The Envoy Deployment and Service Envoy Gateway creates for each Gateway of its classes."""
    config = next(
        (
            o
            for _, o in chart_objects
            if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "envoy-gateway-config"
        ),
        None,
    )
    if config is None:
        return []
    controller_ns = fluxlib.namespace_of(config) or ""
    settings = yaml.safe_load(config["data"]["envoy-gateway.yaml"])
    controller_name = settings["gateway"]["controllerName"]
    created: list[dict[str, Any]] = []
    for gateway in fluxlib.of_kind(objects, "Gateway"):
        gw_ns, gw_name = fluxlib.namespace_of(gateway) or "default", gateway["metadata"]["name"]
        klass = fluxlib.find(objects, "GatewayClass", gateway["spec"]["gatewayClassName"])
        if klass is None or klass["spec"]["controllerName"] != controller_name:
            continue
        ref = (gateway["spec"].get("infrastructure") or {}).get("parametersRef")
        ref_ns = gw_ns if ref else None
        ref = ref or klass["spec"].get("parametersRef")
        proxy = (
            fluxlib.find(objects, "EnvoyProxy", ref["name"], ref.get("namespace", ref_ns))
            if ref
            else None
        )
        if proxy is None:
            raise AssertionError(f"Gateway {gw_ns}/{gw_name}: no EnvoyProxy {ref}")
        kube = proxy["spec"]["provider"]["kubernetes"]
        deployment, service = kube["envoyDeployment"], kube.get("envoyService") or {}
        names = {
            "envoyDeployment": deployment.get("name"),
            "envoyService": service.get("name"),
            "envoyServiceAccount": (kube.get("envoyServiceAccount") or {}).get("name"),
        }
        if not all(names.values()):
            raise AssertionError(f"EnvoyProxy {ref['name']}: set the names of {names}")
        pod = deployment.get("pod") or {}
        labels = {
            **ENVOY_APP_LABELS,
            OWNING_GATEWAY_NAMESPACE: gw_ns,
            OWNING_GATEWAY_NAME: gw_name,
        }
        container = deployment.get("container") or {}
        created.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": names["envoyDeployment"], "namespace": controller_ns},
                "spec": {
                    "replicas": deployment.get("replicas", 1),
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {
                            "labels": {**(pod.get("labels") or {}), **labels},
                            "annotations": dict(pod.get("annotations") or {}),
                        },
                        "spec": {
                            "serviceAccountName": names["envoyServiceAccount"],
                            "containers": [
                                {
                                    "name": "envoy",
                                    "image": "envoyproxy/envoy",
                                    "resources": container.get("resources") or {},
                                    "ports": [
                                        {"name": n, "containerPort": p, "protocol": "TCP"}
                                        for n, p in ENVOY_PORTS
                                    ],
                                },
                                {"name": "shutdown-manager", "image": "envoyproxy/gateway"},
                            ],
                        },
                    },
                },
            }
        )
        ports = []
        for listener in gateway["spec"]["listeners"]:
            number = int(listener["port"])
            protocol = listener["protocol"]
            ports.append(
                {
                    "name": f"{protocol.lower()}-{number}",
                    "port": number,
                    "protocol": "UDP" if protocol == "UDP" else "TCP",
                    "targetPort": number + WELL_KNOWN_PORT_SHIFT if number < 1024 else number,
                }
            )
        created.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": names["envoyService"],
                    "namespace": controller_ns,
                    "labels": labels,
                    "annotations": dict(service.get("annotations") or {}),
                },
                "spec": {
                    "type": service.get("type", "LoadBalancer"),
                    "externalTrafficPolicy": service.get("externalTrafficPolicy", "Local"),
                    "selector": labels,
                    "ports": ports,
                },
            }
        )
    return created


def _acme_solver_pods(
    objects: list[dict[str, Any]], variables: dict[str, str]
) -> list[dict[str, Any]]:
    """cert-manager's HTTP-01 solver pod for each Gateway whose issuer solves over a Gateway
    HTTPRoute (created at run time in the Gateway's namespace: the Challenge's)."""
    solvers = []
    for ingress in fluxlib.of_kind(objects, "Gateway"):
        annotations = ingress["metadata"].get("annotations") or {}
        issuer_name = annotations.get("cert-manager.io/cluster-issuer")
        issuer = fluxlib.find(objects, "ClusterIssuer", issuer_name or "", None)
        if issuer is None or "acme" not in issuer["spec"]:
            continue
        for solver in issuer["spec"]["acme"].get("solvers", []):
            http01 = (solver.get("http01") or {}).get("gatewayHTTPRoute")
            if http01 is None:
                continue
            template = http01.get("podTemplate") or {}
            meta = template.get("metadata") or {}
            labels = {
                ACME_SOLVER_LABEL: "true",
                "acme.cert-manager.io/http-domain": "model",
                "acme.cert-manager.io/http-token": "model",
                **(meta.get("labels") or {}),
            }
            solvers.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": f"cm-acme-http-solver-{issuer_name}",
                        "namespace": fluxlib.namespace_of(ingress),
                        "labels": labels,
                        "annotations": {
                            **ACME_SOLVER_ANNOTATIONS,
                            **(meta.get("annotations") or {}),
                        },
                    },
                    "spec": {
                        "automountServiceAccountToken": False,
                        "containers": [
                            {
                                "name": "acmesolver",
                                "image": "quay.io/jetstack/cert-manager-acmesolver",
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": ACME_SOLVER_PORT,
                                        "protocol": "TCP",
                                    }
                                ],
                            }
                        ],
                    },
                }
            )
    return solvers


def build(cluster: str = "takehome", overrides: dict[str, str] | None = None) -> ClusterModel:
    return copy.deepcopy(_build(cluster, fluxlib._key(overrides)))


@functools.cache
def _build(cluster: str, overrides: fluxlib.Overrides) -> ClusterModel:
    variables = {**fluxlib.example_vars(cluster), **dict(overrides)}
    ours = fluxlib.all_objects(cluster, dict(overrides))
    chart_objects = charts.rendered_charts(cluster, dict(overrides))
    flagger = fluxlib.flagger_generated(ours)
    platform = _platform_objects()
    solvers = _acme_solver_pods(ours, variables)
    edge = envoy_gateway_objects(ours, chart_objects)
    objects = ours + [o for _, o in chart_objects] + flagger + platform + edge

    namespaces: dict[str, dict[str, Any]] = {
        name: {"labels": {}, "annotations": {}} for name in (*BUILT_IN_NAMESPACES, FLUX_NAMESPACE)
    }
    for ns in fluxlib.of_kind(objects, "Namespace"):
        entry = namespaces.setdefault(ns["metadata"]["name"], {"labels": {}, "annotations": {}})
        entry["labels"].update(ns["metadata"].get("labels") or {})
        entry["annotations"].update(ns["metadata"].get("annotations") or {})
    for name, entry in namespaces.items():
        entry["labels"]["kubernetes.io/metadata.name"] = name  # set by the API server

    origins: list[tuple[str, dict[str, Any]]] = (
        [("repository", o) for o in ours]
        + [(f"chart {release}", o) for release, o in chart_objects]
        + [("Flagger", o) for o in flagger]
        + [("platform", o) for o in platform]
        + [(EDGE_ORIGIN, o) for o in edge]
        + [("cert-manager (run time)", o) for o in solvers]
    )
    mesh = _mesh(chart_objects)
    pods: list[Pod] = []
    for origin, obj in origins:
        if obj.get("kind") not in WORKLOAD_KINDS:
            continue
        template = _pod_template(obj)
        meta = template.get("metadata") or {}
        pods.append(
            Pod(
                namespace=fluxlib.namespace_of(obj) or "default",
                kind=obj["kind"],
                name=obj["metadata"]["name"],
                labels=dict(meta.get("labels") or {}),
                annotations=dict(meta.get("annotations") or {}),
                spec=copy.deepcopy(template["spec"]),
                origin=origin,
            )
        )
    for pod in pods:
        namespace = namespaces.get(pod.namespace)
        if namespace is None:
            raise AssertionError(f"{cluster}: {pod.ref} ({pod.origin}) is in no namespace")
        if _injected(pod, namespace, mesh):
            _inject(pod, namespace, mesh)
    return ClusterModel(
        cluster=cluster,
        overrides=dict(overrides),
        objects=objects,
        ours=ours,
        chart_objects=chart_objects,
        pods=pods,
        namespaces=namespaces,
        mesh=mesh,
        variables=variables,
    )
