"""Cross-object consistency: the names, labels, ports and references have to line up for the
cluster to work, and no schema checks that."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import fluxlib
import pytest
import yaml

from conftest import STATS

APP_NS = "realworld"
# Nested Flux Kustomizations that a cluster var switches on (apps/takehome/*.yaml).
OPTIONAL_FEATURES = ("notifications", "error-tracking")

# Pods that Helm charts create (not rendered offline), with the labels the charts give them,
# so that NetworkPolicy peers can be checked against something real.
CHART_PODS = {
    "ingress-nginx": [
        {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}
    ],
    "flagger-system": [{"app": "loadtester", "app.kubernetes.io/name": "loadtester"}],
    "kube-system": [{"k8s-app": "kube-dns"}],
    "linkerd": [{"linkerd.io/control-plane-component": "destination"}],
    "linkerd-viz": [{"app.kubernetes.io/name": "prometheus", "linkerd.io/extension": "viz"}],
}

LINKERD_INBOUND_PORT = 4143
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+$")


def pods_in(objects: list[dict[str, Any]], namespace: str) -> list[dict[str, str]]:
    labels = [
        t["metadata"]["labels"]
        for o, t in fluxlib.pod_templates(objects)
        if fluxlib.namespace_of(o) == namespace
    ]
    return labels + CHART_PODS.get(namespace, [])


def app_deployment(objects: list[dict[str, Any]]) -> dict[str, Any]:
    dep = fluxlib.find(objects, "Deployment", "realworld", APP_NS)
    assert dep is not None, "Deployment realworld/realworld is missing"
    return dep


def app_container(dep: dict[str, Any]) -> dict[str, Any]:
    return dep["spec"]["template"]["spec"]["containers"][0]


def services(with_flagger: list[dict[str, Any]], namespace: str) -> dict[str, dict[str, Any]]:
    return {
        s["metadata"]["name"]: s
        for s in fluxlib.of_kind(with_flagger, "Service")
        if fluxlib.namespace_of(s) == namespace
    }


def resolve_host(host: str) -> tuple[str, str]:
    """realworld-canary.realworld[.svc[.cluster.local]] -> (service, namespace)."""
    parts = host.split(".")
    return parts[0], parts[1] if len(parts) > 1 else APP_NS


# --------------------------------------------------------------------------- Flux wiring


def test_flux_kustomizations_are_complete() -> None:
    for ks in fluxlib.flux_kustomizations():
        spec = ks["spec"]
        name = ks["metadata"]["name"]
        for key in ("interval", "retryInterval", "timeout", "path", "sourceRef"):
            assert key in spec, f"{name}: spec.{key} missing"
        assert spec.get("prune") is True, f"{name}: prune must be true"
        # The optional features: an unreadable secret must never hold up the app layer.
        assert spec.get("wait") is (name not in OPTIONAL_FEATURES), (
            f"{name}: wait must be true (false only for {OPTIONAL_FEATURES})"
        )
        refs = spec.get("postBuild", {}).get("substituteFrom", [])
        assert {"kind": "ConfigMap", "name": "cluster-vars"} in [
            {"kind": r["kind"], "name": r["name"]} for r in refs
        ], f"{name}: postBuild.substituteFrom must include ConfigMap cluster-vars"


def test_layers_depend_on_each_other_in_order() -> None:
    deps = {
        ks["metadata"]["name"]: [d["name"] for d in ks["spec"].get("dependsOn", [])]
        for ks in fluxlib.flux_kustomizations()
    }
    assert deps["infra-controllers"] == []
    assert deps["infra-configs"] == ["infra-controllers"]
    assert "infra-configs" in deps["infra-mesh"]
    assert "infra-configs" in deps["apps"] and "infra-mesh" in deps["apps"]

    # No cycles (depth-first search with the current path on a stack).
    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, f"dependency cycle: {' -> '.join((*path, node))}"
        for dep in deps[node]:
            visit(dep, (*path, node))

    for start in deps:
        visit(start, ())


def test_every_reference_resolves(objects: list[dict[str, Any]]) -> None:
    """dependsOn, substituteFrom, sourceRef, chartRef, valuesFrom, imageRepositoryRef, secretStoreRef."""
    problems = []

    def need(kind: str, name: str, namespace: str | None, where: str) -> None:
        if not fluxlib.exists(objects, kind, name, namespace):
            problems.append(f"{where}: {kind} {namespace}/{name} not found")

    for obj in objects:
        kind, meta, spec = obj["kind"], obj["metadata"], obj.get("spec") or {}
        ns = meta.get("namespace")
        where = f"{kind} {ns}/{meta['name']}"
        if kind == "Kustomization" and obj["apiVersion"].startswith("kustomize.toolkit"):
            for dep in spec.get("dependsOn", []):
                need("Kustomization", dep["name"], dep.get("namespace", ns), where)
            for ref in spec.get("postBuild", {}).get("substituteFrom", []):
                need(ref["kind"], ref["name"], ns, where)
            need(
                spec["sourceRef"]["kind"],
                spec["sourceRef"]["name"],
                spec["sourceRef"].get("namespace", ns),
                where,
            )
        if kind == "HelmRelease":
            for dep in spec.get("dependsOn", []):
                need("HelmRelease", dep["name"], dep.get("namespace", ns), where)
            if "chartRef" in spec:
                need(
                    spec["chartRef"]["kind"],
                    spec["chartRef"]["name"],
                    spec["chartRef"].get("namespace", ns),
                    where,
                )
            else:
                src = spec["chart"]["spec"]["sourceRef"]
                need(src["kind"], src["name"], src.get("namespace", ns), where)
            for ref in spec.get("valuesFrom", []):
                # Created at run time by cert-manager from a Certificate of the same secretName.
                certs = [
                    c
                    for c in fluxlib.of_kind(objects, "Certificate")
                    if c["spec"]["secretName"] == ref["name"]
                ]
                if ref["kind"] == "Secret" and certs:
                    assert fluxlib.namespace_of(certs[0]) == ns, (
                        f"{where}: {ref['name']} is in another namespace"
                    )
                else:
                    need(ref["kind"], ref["name"], ns, where)
        if kind == "ImagePolicy":
            need("ImageRepository", spec["imageRepositoryRef"]["name"], ns, where)
        if kind == "ImageUpdateAutomation":
            need(
                "GitRepository",
                spec["sourceRef"]["name"],
                spec["sourceRef"].get("namespace", ns),
                where,
            )
        if kind == "ExternalSecret":
            store = spec.get("secretStoreRef")
            if store:
                need(
                    store["kind"],
                    store["name"],
                    None if store["kind"].startswith("Cluster") else ns,
                    where,
                )
            for source in spec.get("dataFrom", []):
                gen = source.get("sourceRef", {}).get("generatorRef")
                if gen:
                    need(gen["kind"], gen["name"], ns, where)
        if kind == "Issuer" or kind == "ClusterIssuer":
            ca = spec.get("ca")
            if ca:
                secret_ns = ns if kind == "Issuer" else "cert-manager"
                assert any(
                    c["spec"]["secretName"] == ca["secretName"]
                    and fluxlib.namespace_of(c) == secret_ns
                    for c in fluxlib.of_kind(objects, "Certificate")
                ), f"{where}: CA secret {secret_ns}/{ca['secretName']} has no Certificate"
        if kind == "Certificate":
            ref = spec["issuerRef"]
            need(ref["kind"], ref["name"], ns if ref["kind"] == "Issuer" else None, where)
        if kind == "NodePool":
            ref = spec["template"]["spec"]["nodeClassRef"]
            need(ref["kind"], ref["name"], None, where)
    assert not problems, "\n".join(problems)


def test_layers_only_use_crds_installed_by_earlier_layers() -> None:
    """A custom resource must not sit in the same layer as the controller that installs its CRD."""
    # notifications is applied by apps, so it reconciles once apps has started: layer 3 too.
    layer_of = {
        "infra-controllers": 0,
        "infra-configs": 1,
        "infra-mesh": 2,
        "apps": 3,
        "notifications": 3,
        "error-tracking": 3,
    }
    crd_layer = {
        "cert-manager.io": 0,
        "external-secrets.io": 0,
        "generators.external-secrets.io": 0,
        "karpenter.sh": 0,
        "karpenter.k8s.aws": 0,
        "flagger.app": 2,
        "gateway.networking.k8s.io": 0,
    }
    for doc in fluxlib.built_documents():
        group = fluxlib.group_of(doc.obj["apiVersion"])
        if group in crd_layer:
            assert layer_of[doc.kustomization] > crd_layer[group], (
                f"{doc.obj['kind']}/{doc.obj['metadata']['name']} is applied by {doc.kustomization}, "
                "together with or before its CRD"
            )


def test_charts_are_pinned(objects: list[dict[str, Any]]) -> None:
    for hr in fluxlib.of_kind(objects, "HelmRelease"):
        if "chart" in hr["spec"]:
            version = hr["spec"]["chart"]["spec"].get("version", "")
            assert EXACT_VERSION.match(version), (
                f"HelmRelease {hr['metadata']['name']}: pin an exact version, not {version!r}"
            )
    for repo in fluxlib.of_kind(objects, "OCIRepository"):
        ref = repo["spec"].get("ref", {})
        assert EXACT_VERSION.match(ref.get("tag", "")) or ref.get("digest"), (
            f"OCIRepository {repo['metadata']['name']}: pin a tag"
        )


def test_no_private_key_material_in_git() -> None:
    for path in fluxlib.FLUX_DIR.rglob("*"):
        if path.is_file() and path.suffix in (".yaml", ".yml", ".pem", ".key", ".crt"):
            assert "PRIVATE KEY" not in path.read_text(errors="ignore"), (
                f"{path} contains a private key"
            )


# --------------------------------------------------------------------------- labels and selectors


def test_deployment_selectors_match_their_pods(with_flagger: list[dict[str, Any]]) -> None:
    for obj, template in fluxlib.pod_templates(with_flagger):
        assert fluxlib.selector_matches(obj["spec"]["selector"], template["metadata"]["labels"]), (
            obj["metadata"]["name"]
        )
        for constraint in template["spec"].get("topologySpreadConstraints", []):
            assert fluxlib.selector_matches(
                constraint["labelSelector"], template["metadata"]["labels"]
            ), f"{obj['metadata']['name']}: topology spread selector does not match its own pods"


def test_services_select_pods(with_flagger: list[dict[str, Any]]) -> None:
    for svc in fluxlib.of_kind(with_flagger, "Service"):
        ns = fluxlib.namespace_of(svc)
        pods = [
            p
            for p in pods_in(with_flagger, ns)
            if fluxlib.selector_matches({"matchLabels": svc["spec"]["selector"]}, p)
        ]
        assert pods, f"Service {ns}/{svc['metadata']['name']} selects no pod"


def test_pdb_and_network_policies_select_pods(with_flagger: list[dict[str, Any]]) -> None:
    for obj in fluxlib.of_kind(with_flagger, "PodDisruptionBudget") + fluxlib.of_kind(
        with_flagger, "NetworkPolicy"
    ):
        ns = fluxlib.namespace_of(obj)
        selector = obj["spec"].get("selector") or obj["spec"].get("podSelector")
        pods = pods_in(with_flagger, ns)
        assert any(fluxlib.selector_matches(selector, p) for p in pods), (
            f"{obj['kind']} {ns}/{obj['metadata']['name']} selects no pod"
        )
    for policy in fluxlib.of_kind(with_flagger, "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []) + policy["spec"].get("egress", []):
            for peer in rule.get("from", []) + rule.get("to", []):
                if "ipBlock" in peer:
                    continue
                namespace = (
                    (peer.get("namespaceSelector") or {})
                    .get("matchLabels", {})
                    .get("kubernetes.io/metadata.name", fluxlib.namespace_of(policy))
                )
                if "podSelector" in peer:
                    assert any(
                        fluxlib.selector_matches(peer["podSelector"], p)
                        for p in pods_in(with_flagger, namespace)
                    ), (
                        f"NetworkPolicy {policy['metadata']['name']}: peer {peer} matches no pod in {namespace}"
                    )


def test_pdb_protects_the_serving_pods(with_flagger: list[dict[str, Any]]) -> None:
    primary = fluxlib.find(with_flagger, "Deployment", "realworld-primary", APP_NS)
    assert primary is not None
    labels = primary["spec"]["template"]["metadata"]["labels"]
    assert any(
        fluxlib.selector_matches(pdb["spec"]["selector"], labels)
        for pdb in fluxlib.of_kind(with_flagger, "PodDisruptionBudget")
    ), "no PodDisruptionBudget covers realworld-primary"


def test_app_network_policies_admit_the_callers(with_flagger: list[dict[str, Any]]) -> None:
    """ingress-nginx, the Flagger load tester and realworld-loadtest reach the API port."""
    dep = app_deployment(with_flagger)
    api_labels = dep["spec"]["template"]["metadata"]["labels"]
    allowed: list[tuple[str, dict[str, Any]]] = []
    for policy in fluxlib.of_kind(with_flagger, "NetworkPolicy"):
        if fluxlib.selector_matches(policy["spec"]["podSelector"], api_labels):
            for rule in policy["spec"].get("ingress", []):
                for peer in rule.get("from", []):
                    ns = (
                        (peer.get("namespaceSelector") or {})
                        .get("matchLabels", {})
                        .get("kubernetes.io/metadata.name", APP_NS)
                    )
                    allowed.append((ns, peer.get("podSelector", {})))
    callers = {
        "ingress-nginx": CHART_PODS["ingress-nginx"][0],
        "flagger-system": CHART_PODS["flagger-system"][0],
        APP_NS: fluxlib.find(with_flagger, "Deployment", "realworld-loadtest", APP_NS)["spec"][
            "template"
        ]["metadata"]["labels"],
    }
    for ns, labels in callers.items():
        assert any(n == ns and fluxlib.selector_matches(sel, labels) for n, sel in allowed), (
            f"{ns} cannot reach the API"
        )


# --------------------------------------------------------------------------- canary and ports


def test_canary_targets_the_deployment_and_hpa(objects: list[dict[str, Any]]) -> None:
    canary = fluxlib.find(objects, "Canary", "realworld", APP_NS)
    assert canary is not None
    spec = canary["spec"]
    flagger = fluxlib.find(objects, "HelmRelease", "flagger", "flagger-system")
    assert spec["provider"] == flagger["spec"]["values"]["meshProvider"] == "gatewayapi:v1beta1"
    assert spec["targetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "realworld"}
    assert spec["autoscalerRef"] == {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "name": "realworld",
    }
    hpa = fluxlib.find(objects, "HorizontalPodAutoscaler", "realworld", APP_NS)
    assert hpa is not None and hpa["spec"]["scaleTargetRef"]["name"] == "realworld"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    assert "scaleDown" in hpa["spec"]["behavior"]
    metrics = {m["name"]: m["thresholdRange"] for m in spec["analysis"]["metrics"]}
    assert metrics["success-rate"] == {"min": 99}
    assert metrics["latency-p99"] == {"max": 500}
    analysis = spec["analysis"]
    assert 0 < analysis["stepWeight"] <= analysis["maxWeight"] <= 100 and analysis["threshold"] >= 1
    hooks = {h["type"]: h for h in analysis["webhooks"]}
    assert {"pre-rollout", "rollout"} <= set(hooks)
    # No Service named like a generated one may be committed: Flagger owns them.
    committed = {
        s["metadata"]["name"]
        for s in fluxlib.of_kind(objects, "Service")
        if fluxlib.namespace_of(s) == APP_NS
    }
    assert not committed & {"realworld", "realworld-primary", "realworld-canary"}


def test_canary_webhooks_reach_the_load_tester_and_the_canary(
    with_flagger: list[dict[str, Any]],
) -> None:
    canary = fluxlib.find(with_flagger, "Canary", "realworld", APP_NS)
    for hook in canary["spec"]["analysis"]["webhooks"]:
        name, ns = resolve_host(urlsplit(hook["url"]).hostname)
        release = fluxlib.find(with_flagger, "HelmRelease", name, ns)
        assert release is not None and release["spec"]["chart"]["spec"]["chart"] == "loadtester", (
            hook["url"]
        )
    hooks = {h["name"]: h["metadata"]["cmd"] for h in canary["spec"]["analysis"]["webhooks"]}
    svc = services(with_flagger, APP_NS)
    acceptance = hooks["acceptance-test"]
    for step in ('/users"', '/users/login"', '/articles"', '/articles/$slug"'):
        assert step in acceptance, f"acceptance check misses {step}"
    # Browser traffic too: the web app's home page and the new article's page.
    for step in ('"$web/"', '"$web/article/$slug"'):
        assert step in acceptance, f"acceptance check misses the page {step}"
    for cmd in hooks.values():
        for url in re.findall(r"http://[^\s'\"]+", cmd):
            name, ns = resolve_host(urlsplit(url).hostname)
            assert ns == APP_NS and name in svc, f"{url}: no such Service"
    assert "realworld-canary." in acceptance, "the acceptance check must call the canary"


def test_ports_agree(with_flagger: list[dict[str, Any]]) -> None:
    dep = app_deployment(with_flagger)
    container = app_container(dep)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 8000, "metrics": 9100}
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["PORT"] == str(ports["http"]) and env["METRICS_PORT"] == str(ports["metrics"])
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        port = container[probe]["httpGet"]["port"]
        assert port in ports or port in ports.values(), f"{probe} port {port}"
    canary = fluxlib.find(with_flagger, "Canary", "realworld", APP_NS)
    assert (
        canary["spec"]["service"]["port"] == 80 and canary["spec"]["service"]["targetPort"] in ports
    )
    apex = services(with_flagger, APP_NS)["realworld"]
    # Ingress backends.
    for ingress in fluxlib.of_kind(with_flagger, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                svc = services(with_flagger, fluxlib.namespace_of(ingress)).get(backend["name"])
                assert svc is not None, f"Ingress backend {backend['name']} does not exist"
                svc_ports = {(p.get("name"), p["port"]) for p in svc["spec"]["ports"]}
                assert any(
                    backend["port"].get("name") == n or backend["port"].get("number") == n2
                    for n, n2 in svc_ports
                )
    assert apex["spec"]["ports"][0]["targetPort"] == "http"
    # NetworkPolicy ports towards the API name or number the container port.
    for policy in fluxlib.of_kind(with_flagger, "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []) + policy["spec"].get("egress", []):
            peers = rule.get("from", []) + rule.get("to", [])
            if any(
                fluxlib.selector_matches(
                    p.get("podSelector", {"matchLabels": {"-": "-"}}),
                    dep["spec"]["template"]["metadata"]["labels"],
                )
                for p in peers
            ):
                for port in rule.get("ports", []):
                    assert port["port"] in ports or port["port"] in [
                        *ports.values(),
                        LINKERD_INBOUND_PORT,
                    ], f"{policy['metadata']['name']}: {port}"


def test_probe_paths_are_answered_by_the_app() -> None:
    """The probes' paths are the ones HealthCheckMiddleware answers (before URL resolution and
    host validation: the kubelet calls the pod IP)."""
    middleware = (fluxlib.REPO_ROOT / "realworld/common/middleware.py").read_text()
    answered = set(re.findall(r'"(/[a-z]+)": health\.\w+', middleware))
    assert answered == {"/healthz", "/readyz"}, answered
    dep = app_deployment(fluxlib.all_objects())
    container = app_container(dep)
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["path"] in answered, probe
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_loadtest_targets_an_existing_service(with_flagger: list[dict[str, Any]]) -> None:
    loadtest = fluxlib.find(with_flagger, "Deployment", "realworld-loadtest", APP_NS)
    assert loadtest is not None and loadtest["spec"]["replicas"] == 0
    container = loadtest["spec"]["template"]["spec"]["containers"][0]
    host = urlsplit(fluxlib.env_value(container, "LOCUST_HOST"))
    name, ns = resolve_host(host.hostname)
    svc = services(with_flagger, ns).get(name)
    assert svc is not None, f"LOCUST_HOST {host.geturl()}: no Service {ns}/{name}"
    assert (host.port or 80) in [p["port"] for p in svc["spec"]["ports"]]
    # Absent, so locust runs until scaled down (an empty value is a locust startup error).
    assert "LOCUST_RUN_TIME" not in {e["name"] for e in container.get("env", [])}
    assert container["resources"]["requests"]["cpu"], "the load generator needs CPU requests"


def test_allowed_hosts_cover_every_caller(with_flagger: list[dict[str, Any]]) -> None:
    """Django rejects requests whose Host is not in DJANGO_ALLOWED_HOSTS."""
    allowed = fluxlib.env_value(
        app_container(app_deployment(with_flagger)), "DJANGO_ALLOWED_HOSTS"
    ).split(",")

    def ok(host: str) -> bool:
        return any(
            host == a or (a.startswith(".") and (host.endswith(a) or host == a[1:]))
            for a in allowed
        )

    hosts = [
        r["host"] for i in fluxlib.of_kind(with_flagger, "Ingress") for r in i["spec"]["rules"]
    ]
    assert hosts == ["realworld.takehome.local"], "the default public host is part of the contract"
    canary = fluxlib.find(with_flagger, "Canary", "realworld", APP_NS)
    for hook in canary["spec"]["analysis"]["webhooks"]:
        hosts += [
            urlsplit(u).hostname for u in re.findall(r"http://[^\s'\"/]+", hook["metadata"]["cmd"])
        ]
    loadtest = fluxlib.find(with_flagger, "Deployment", "realworld-loadtest", APP_NS)
    hosts.append(
        urlsplit(
            fluxlib.env_value(loadtest["spec"]["template"]["spec"]["containers"][0], "LOCUST_HOST")
        ).hostname
    )
    assert hosts
    for host in hosts:
        assert ok(host), f"{host} is not in DJANGO_ALLOWED_HOSTS"


# --------------------------------------------------------------------------- pods


def test_graceful_shutdown_fits_the_grace_period(objects: list[dict[str, Any]]) -> None:
    dep = app_deployment(objects)
    pod = dep["spec"]["template"]["spec"]
    container = app_container(dep)
    pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    graceful = int(fluxlib.env_value(container, "GUNICORN_GRACEFUL_TIMEOUT"))
    delay = int(fluxlib.env_value(container, "GUNICORN_SHUTDOWN_DELAY"))
    assert (pre_stop, graceful, delay, pod["terminationGracePeriodSeconds"]) == (5, 20, 5, 40)
    assert pre_stop + delay + graceful < pod["terminationGracePeriodSeconds"]


def test_pods_are_locked_down(objects: list[dict[str, Any]]) -> None:
    for obj, template in fluxlib.pod_templates(objects):
        pod = template["spec"]
        name = obj["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert pod.get("automountServiceAccountToken") is False, name
        mounts_tmp = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        for container in fluxlib.containers(template):
            ctx = container["securityContext"]
            assert (
                ctx["readOnlyRootFilesystem"] is True and ctx["allowPrivilegeEscalation"] is False
            ), name
            assert (
                ctx["capabilities"]["drop"] == ["ALL"]
                and ctx["runAsUser"] == 10001 == ctx["runAsGroup"]
            ), name
            assert ctx["seccompProfile"]["type"] == "RuntimeDefault", name
            assert any(
                m["mountPath"] == "/tmp" and m["name"] in mounts_tmp
                for m in container["volumeMounts"]
            ), name
            assert "requests" in container["resources"] and "limits" in container["resources"], name


def test_migrations_run_in_an_init_container(objects: list[dict[str, Any]]) -> None:
    pod = app_deployment(objects)["spec"]["template"]["spec"]
    commands = [c.get("command") for c in pod.get("initContainers", [])]
    assert ["python", "manage.py", "migrate", "--noinput"] in commands
    app = pod["containers"][0]
    migrate = pod["initContainers"][0]
    assert migrate["image"] == app["image"], "migrations must run with the release's own image"


def test_topology_spreads_over_zones(objects: list[dict[str, Any]]) -> None:
    pod = app_deployment(objects)["spec"]["template"]["spec"]
    assert "topology.kubernetes.io/zone" in [
        c["topologyKey"] for c in pod["topologySpreadConstraints"]
    ]


def test_secrets_and_volumes_resolve(objects: list[dict[str, Any]]) -> None:
    """Every secretKeyRef names an ExternalSecret target and a key it writes; every ConfigMap
    volume exists; DATABASE_URL verifies the server with the mounted RDS bundle."""
    targets: dict[str, set[str]] = {}
    template_text = {}
    for es in fluxlib.of_kind(objects, "ExternalSecret"):
        target = es["spec"]["target"]
        data = target.get("template", {}).get("data", {})
        targets[target["name"]] = set(data) or {d["secretKey"] for d in es["spec"].get("data", [])}
        template_text.update(data)
    configmaps = {c["metadata"]["name"]: c for c in fluxlib.of_kind(objects, "ConfigMap")}
    for obj, template in fluxlib.pod_templates(objects):
        if fluxlib.namespace_of(obj) != APP_NS:
            continue
        for container in fluxlib.containers(template):
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in targets.get(ref["name"], set()), (
                        f"{obj['metadata']['name']}: {ref}"
                    )
        for volume in template["spec"].get("volumes", []):
            if "configMap" in volume:
                name = volume["configMap"]["name"]
                assert name in configmaps or fluxlib.exists(objects, "ConfigMap", name, APP_NS), (
                    volume
                )
    url = template_text["DATABASE_URL"]
    assert "sslmode=verify-full" in url
    root_cert = re.search(r"sslrootcert=([^&]+)", url).group(1)
    dep = app_deployment(objects)
    pod = dep["spec"]["template"]["spec"]
    mount = next(
        m for m in app_container(dep)["volumeMounts"] if root_cert.startswith(m["mountPath"] + "/")
    )
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    key = root_cert[len(mount["mountPath"]) + 1 :]
    # The bundle is written at deploy time, never committed (a committed placeholder once left
    # the app unable to connect): terraform-apply.sh must create exactly this ConfigMap and key.
    name = volume["configMap"]["name"]
    assert name not in configmaps, f"ConfigMap {name} is committed; terraform-apply.sh owns it"
    script = (fluxlib.REPO_ROOT / "terraform-apply.sh").read_text()
    assert f"create configmap {name}" in script and f"--from-file={key}=" in script, (
        f"terraform-apply.sh does not write ConfigMap {APP_NS}/{name} with key {key}"
    )


def test_karpenter_runs_on_the_system_node_group(objects: list[dict[str, Any]]) -> None:
    karpenter = fluxlib.find(objects, "HelmRelease", "karpenter", "kube-system")
    assert karpenter["spec"]["values"]["nodeSelector"]["role"] == "system"
    nodepool = fluxlib.find(objects, "NodePool", "default")
    capacity = next(
        r
        for r in nodepool["spec"]["template"]["spec"]["requirements"]
        if r["key"] == "karpenter.sh/capacity-type"
    )
    assert set(capacity["values"]) == {"spot", "on-demand"}
    assert nodepool["spec"]["limits"] and nodepool["spec"]["disruption"]["consolidationPolicy"]


# --------------------------------------------------------------------------- image automation

MARKER = re.compile(r'#\s*(\{"\$imagepolicy":\s*"[^"]+"\})')


def markers() -> list[tuple[Path, str, str]]:
    found = []
    for path in fluxlib.FLUX_DIR.rglob("*.yaml"):
        for line in path.read_text().splitlines():
            match = MARKER.search(line)
            if match:
                found.append((path, line, json.loads(match.group(1))["$imagepolicy"]))
    return found


def test_image_policy_markers_name_existing_policies(objects: list[dict[str, Any]]) -> None:
    found = markers()
    assert found, "no image policy marker"
    automation = fluxlib.of_kind(objects, "ImageUpdateAutomation")
    assert automation, "no ImageUpdateAutomation"
    update_paths = [fluxlib.REPO_ROOT / a["spec"]["update"]["path"] for a in automation]
    for path, _line, ref in found:
        parts = ref.split(":")
        assert len(parts) in (2, 3) and (
            len(parts) == 2 or parts[2] in ("tag", "name", "digest")
        ), ref
        namespace, name = parts[:2]
        policy = fluxlib.find(objects, "ImagePolicy", name, namespace)
        assert policy is not None, (
            f"{path}: marker names ImagePolicy {namespace}/{name}, which does not exist"
        )
        assert policy["spec"]["policy"]["semver"]["range"], "releases only: semver policy"
        assert any(path.resolve().is_relative_to(p.resolve()) for p in update_paths), (
            f"{path} is outside update.path"
        )
        assert any(a["spec"]["git"]["push"]["branch"] == "main" for a in automation)


def test_marked_images_are_the_ones_the_pods_run(objects: list[dict[str, Any]]) -> None:
    kustomization = yaml.safe_load(
        (fluxlib.FLUX_DIR / "apps" / "realworld" / "kustomization.yaml").read_text()
    )
    images = {i["newName"]: i["newTag"] for i in kustomization["images"]}
    owner = fluxlib.example_vars()["GITHUB_OWNER"]
    running = {
        c["image"]
        for o, t in fluxlib.pod_templates(objects)
        if fluxlib.namespace_of(o) == APP_NS
        for c in fluxlib.containers(t)
    }
    expected = {f"{name.replace('${GITHUB_OWNER}', owner)}:{tag}" for name, tag in images.items()}
    assert running == expected
    assert len(set(images.values())) == 1, (
        "the app and its load generator ship with the same version"
    )
    repos = {r["spec"]["image"] for r in fluxlib.of_kind(objects, "ImageRepository")}
    assert f"ghcr.io/{owner}/realworld" in repos


@pytest.mark.parametrize("layer", ["infra-controllers", "infra-configs", "infra-mesh", "apps"])
def test_each_layer_applies_objects(layer: str) -> None:
    assert any(d.kustomization == layer for d in fluxlib.built_documents())


def test_bootstrap_enables_image_automation() -> None:
    """ImageRepository & co. need Flux's image controllers and a deploy key that can push:
    `flux bootstrap` installs neither by default. Reported, not failed: terraform-apply.sh
    belongs to the Terraform side."""
    script = fluxlib.REPO_ROOT / "terraform-apply.sh"
    if not script.is_file():
        STATS["warnings"].append(
            "terraform-apply.sh not found: cannot check how Flux is bootstrapped"
        )
        return
    text = script.read_text()
    for needed in ("image-reflector-controller", "image-automation-controller", "--read-write-key"):
        if needed not in text:
            STATS["warnings"].append(
                f"terraform-apply.sh: `flux bootstrap` lacks {needed} "
                "(needs --components-extra=image-reflector-controller,image-automation-controller --read-write-key)"
            )


def test_system_node_label_matches_terraform(objects: list[dict[str, Any]]) -> None:
    """Karpenter's nodeSelector must be a label Terraform puts on the system node group.
    Reported, not failed: the node group belongs to the Terraform side."""
    selector = fluxlib.find(objects, "HelmRelease", "karpenter", "kube-system")["spec"]["values"][
        "nodeSelector"
    ]
    tf_files = list((fluxlib.REPO_ROOT / "infrastructure" / "terraform").glob("**/*.tf"))
    if not tf_files:
        return
    text = "\n".join(p.read_text() for p in tf_files if ".terraform" not in p.parts)
    for key, value in selector.items():
        if key.startswith("kubernetes.io/"):
            continue
        if not re.search(rf'"?{re.escape(key)}"?\s*=\s*"{re.escape(value)}"', text):
            STATS["warnings"].append(
                f"Karpenter runs on nodes labelled {key}={value}, but no Terraform node group sets that label"
            )


# Where each infra-controllers chart takes the tolerations of the pods it runs (its values).
CONTROLLER_TOLERATIONS = {
    "cert-manager": [
        ("tolerations",),
        ("webhook", "tolerations"),
        ("cainjector", "tolerations"),
        ("startupapicheck", "tolerations"),
    ],
    "external-secrets": [("global", "tolerations")],
    "metrics-server": [("tolerations",)],
    "karpenter": [("tolerations",)],
    "linkerd-crds": [],  # CRDs only, no pods
}


def test_the_system_node_taint_cannot_deadlock_the_first_deployment(
    objects: list[dict[str, Any]],
) -> None:
    """The system node group is tainted (Terraform) and is the only capacity until infra-configs
    creates Karpenter's NodePool, which waits for infra-controllers to be Ready. So Flux and
    every pod of infra-controllers must tolerate the taint, or the first deployment waits
    forever for nodes that nothing can create."""
    node_group = (fluxlib.REPO_ROOT / "infrastructure/terraform/cluster/node_group.tf").read_text()
    match = re.search(
        r'taint\s*\{\s*key\s*=\s*"([^"]+)"[^}]*effect\s*=\s*"NO_SCHEDULE"', node_group
    )
    assert match, "the system node group has no NO_SCHEDULE taint"
    key = match.group(1)
    script = (fluxlib.REPO_ROOT / "terraform-apply.sh").read_text()
    assert f'"--toleration-keys={key}"' in script, "flux bootstrap must tolerate the taint"
    releases = {
        d.obj["metadata"]["name"]: d.obj
        for d in fluxlib.built_documents()
        if d.kustomization == "infra-controllers" and d.obj["kind"] == "HelmRelease"
    }
    assert set(releases) == set(CONTROLLER_TOLERATIONS), (
        "a new chart: say where its pods' tolerations go"
    )
    for name, paths in CONTROLLER_TOLERATIONS.items():
        for path in paths:
            node: Any = releases[name]["spec"]["values"]
            for part in path:
                node = (node or {}).get(part)
            assert any(t.get("key") == key and t.get("operator") == "Exists" for t in node or []), (
                f"{name}: values.{'.'.join(path)} does not tolerate {key}"
            )
    # The EKS add-ons that must run there tolerate it upstream (CoreDNS: CriticalAddonsOnly;
    # the DaemonSets: every taint); the cluster stack installs exactly those before the nodes.
    assert key == "CriticalAddonsOnly"


# --------------------------------------------------------------------------- notifications


def _secret_keys(objects: list[dict[str, Any]], name: str, namespace: str) -> set[str]:
    """Keys of a Secret that an ExternalSecret in the tree creates."""
    for es in fluxlib.of_kind(objects, "ExternalSecret"):
        target = es["spec"].get("target", {}).get("name", es["metadata"]["name"])
        if target == name and fluxlib.namespace_of(es) == namespace:
            return {d["secretKey"] for d in es["spec"].get("data", [])} | set(
                es["spec"].get("target", {}).get("template", {}).get("data", {})
            )
    return set()


def test_external_secrets_are_allowed_by_their_store(objects: list[dict[str, Any]]) -> None:
    """A ClusterSecretStore's `conditions` list the namespaces that may use it; any other
    ExternalSecret never syncs (status SecretSyncedError), which no schema check sees."""
    for es in fluxlib.of_kind(objects, "ExternalSecret"):
        ref = es["spec"].get("secretStoreRef")  # none: a generator (dataFrom.sourceRef)
        if ref is None or ref["kind"] != "ClusterSecretStore":
            continue
        store = fluxlib.find(objects, "ClusterSecretStore", ref["name"], None)
        assert store is not None, ref
        allowed = {n for c in store["spec"].get("conditions", []) for n in c.get("namespaces", [])}
        ns = fluxlib.namespace_of(es)
        assert not allowed or ns in allowed, (
            f"ExternalSecret {ns}/{es['metadata']['name']}: ClusterSecretStore {ref['name']} "
            f"only serves {sorted(allowed)}"
        )


def test_alert_providers_resolve_and_read_address(objects: list[dict[str, Any]]) -> None:
    """The Canary's alerts name an AlertProvider that exists; it, and Flux's Providers, read
    their webhook from a Secret whose key is `address` (what both controllers look up)."""
    canary = fluxlib.find(objects, "Canary", "realworld", APP_NS)
    assert canary is not None
    alerts = canary["spec"]["analysis"].get("alerts", [])
    assert {a["severity"] for a in alerts} == {"info"}, "info sends start, promotion and rollback"
    for alert in alerts:
        ref = alert["providerRef"]
        provider = fluxlib.find(objects, "AlertProvider", ref["name"], ref.get("namespace", APP_NS))
        assert provider is not None, f"Canary alert {alert['name']}: no AlertProvider {ref}"
    providers = fluxlib.of_kind(objects, "AlertProvider") + fluxlib.of_kind(objects, "Provider")
    assert len(providers) == 2, [p["metadata"]["name"] for p in providers]
    for provider in providers:
        ns = fluxlib.namespace_of(provider)
        secret = provider["spec"]["secretRef"]["name"]
        assert "address" in _secret_keys(objects, secret, ns), (
            f"{provider['kind']} {ns}/{provider['metadata']['name']}: Secret {secret} has no "
            "`address` key from an ExternalSecret"
        )
    for alert in fluxlib.of_kind(objects, "Alert"):
        ns = fluxlib.namespace_of(alert)
        assert fluxlib.find(objects, "Provider", alert["spec"]["providerRef"]["name"], ns), alert


def test_gitops_failures_alert_covers_every_flux_object(objects: list[dict[str, Any]]) -> None:
    """Every Kustomization, HelmRelease and chart source is an event source of the failure
    alert: a chart that fails to install in a namespace nobody listed would stay silent."""
    alert = fluxlib.find(objects, "Alert", "gitops-failures", "flux-system")
    assert alert is not None and alert["spec"]["eventSeverity"] == "error"
    covered = {
        (s["kind"], s.get("namespace", "flux-system"))
        for s in alert["spec"]["eventSources"]
        if s["name"] == "*"
    }
    kinds = ("Kustomization", "HelmRelease", "HelmRepository", "OCIRepository", "GitRepository")
    watched = {
        (o["kind"], fluxlib.namespace_of(o) or "flux-system")
        for o in objects
        if o.get("kind") in kinds and o["apiVersion"].split("/")[0].endswith("toolkit.fluxcd.io")
    }
    missing = sorted(watched - covered)
    assert not missing, f"not covered by the gitops-failures alert: {missing}"


@pytest.mark.parametrize("switch", OPTIONAL_FEATURES)
def test_optional_features_default_to_off(switch: str) -> None:
    """Without NOTIFICATIONS / ERROR_TRACKING in cluster-vars nothing is sent and nothing is
    created."""
    ks = next(k for k in fluxlib.flux_kustomizations() if k["metadata"]["name"] == switch)
    default = fluxlib.envsubst(fluxlib.raw_path(ks), {}).text
    assert default.endswith(f"/{switch}/disabled"), default
    kinds = {d["kind"] for d in fluxlib.load_documents(fluxlib.render(fluxlib.REPO_ROOT / default))}
    assert kinds == {"ConfigMap"}, f"the disabled side applies {kinds}"


def test_error_tracking_hands_the_dsn_to_the_app_and_opens_only_public_https(
    with_flagger: list[dict[str, Any]],
) -> None:
    """ERROR_TRACKING=enabled: the Secret the Deployment reads SENTRY_DSN from is the one the
    ExternalSecret writes, and the extra egress is HTTPS to public addresses from the app only."""
    deployment = app_deployment(with_flagger)
    env = {e["name"]: e for e in app_container(deployment)["env"]}
    ref = env["SENTRY_DSN"]["valueFrom"]["secretKeyRef"]
    assert ref["optional"] is True, "without error tracking the Secret does not exist"
    synced = fluxlib.find(with_flagger, "ExternalSecret", ref["name"], APP_NS)
    assert synced is not None, f"no ExternalSecret writes {ref['name']}"
    assert synced["spec"]["target"]["name"] == ref["name"]
    assert [d["secretKey"] for d in synced["spec"]["data"]] == [ref["key"]]
    policy = fluxlib.find(with_flagger, "NetworkPolicy", "realworld-api-sentry", APP_NS)
    api_labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = policy["spec"]["podSelector"]["matchLabels"]
    assert selector.items() <= api_labels.items()
    assert policy["spec"]["policyTypes"] == ["Egress"]
    (rule,) = policy["spec"]["egress"]
    assert rule["ports"] == [{"port": 443, "protocol": "TCP"}]
    (peer,) = rule["to"]
    assert peer["ipBlock"]["cidr"] == "0.0.0.0/0"
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= set(
        peer["ipBlock"]["except"]
    ), "the VPC and the metadata service stay closed"


# --------------------------------------------------------------------------- mesh and autoscaling


def _meshed(objects: list[dict[str, Any]], namespace: str | None, template: dict[str, Any]) -> bool:
    """linkerd injects a pod when its template or its namespace says `linkerd.io/inject: enabled`
    (the template's own annotation wins)."""
    own = (template["metadata"].get("annotations") or {}).get("linkerd.io/inject")
    if own is not None:
        return own == "enabled"
    ns = fluxlib.find(objects, "Namespace", namespace or "", None)
    return (
        ns is not None
        and (ns["metadata"].get("annotations") or {}).get("linkerd.io/inject") == "enabled"
    )


def test_meshed_ingress_sees_the_client_address(objects: list[dict[str, Any]]) -> None:
    """A meshed ingress-nginx whose inbound proxy takes the client's connection sees every
    client as 127.0.0.1 (linkerd2#3403): one throttle bucket for all users. Its public ports
    (the chart's controller.containerPort, 80 and 443 by default) must skip the inbound proxy,
    and the Service must keep the source address (externalTrafficPolicy: Local)."""
    release = fluxlib.find(objects, "HelmRelease", "ingress-nginx", "ingress-nginx")
    controller = release["spec"]["values"]["controller"]
    annotations = controller.get("podAnnotations") or {}
    assert annotations.get("linkerd.io/inject") == "enabled", "nginx must be meshed (the split)"
    ports = controller.get("containerPort") or {"http": 80, "https": 443}
    skipped = {
        int(p) for p in annotations.get("config.linkerd.io/skip-inbound-ports", "").split(",") if p
    }
    assert {ports["http"], ports["https"]} <= skipped, f"skip-inbound-ports {skipped}"
    assert controller["service"]["externalTrafficPolicy"] == "Local"


def test_egress_to_meshed_pods_opens_the_linkerd_inbound_port(
    with_flagger: list[dict[str, Any]],
) -> None:
    """A meshed client's proxy dials the server pod's inbound proxy port 4143 (linkerd's
    `transport-header` mode, the default since edge-25.3), not the container port: an egress
    rule toward meshed pods that opens only the app port lets no connection through."""
    problems = []
    for policy in fluxlib.of_kind(with_flagger, "NetworkPolicy"):
        ns = fluxlib.namespace_of(policy)
        for rule in policy["spec"].get("egress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if not ports:
                continue  # every port
            for peer in rule.get("to", []):
                if "podSelector" not in peer or "namespaceSelector" in peer:
                    continue
                targets = [
                    t
                    for o, t in fluxlib.pod_templates(with_flagger)
                    if fluxlib.namespace_of(o) == ns
                    and fluxlib.selector_matches(peer["podSelector"], t["metadata"]["labels"])
                ]
                if any(_meshed(with_flagger, ns, t) for t in targets) and (
                    LINKERD_INBOUND_PORT not in ports
                ):
                    problems.append(f"{ns}/{policy['metadata']['name']}: egress {sorted(ports)}")
    assert not problems, "egress to meshed pods without 4143:\n" + "\n".join(problems)


def test_autoscaled_pods_request_cpu_in_every_container(
    with_flagger: list[dict[str, Any]],
) -> None:
    """A CPU-utilization HPA needs a CPU request on every container, the injected linkerd-proxy
    included ("missing request for cpu in container linkerd-proxy": it never scales). The
    proxy gets none by default, only through config.linkerd.io/proxy-cpu-request."""
    checked = 0
    for hpa in fluxlib.of_kind(with_flagger, "HorizontalPodAutoscaler"):
        resources = {
            m["resource"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Resource"
        }
        target = hpa["spec"]["scaleTargetRef"]
        dep = fluxlib.find(with_flagger, target["kind"], target["name"], fluxlib.namespace_of(hpa))
        assert dep is not None, f"HPA {hpa['metadata']['name']}: no {target}"
        template = dep["spec"]["template"]
        for resource in resources:
            for container in template["spec"]["containers"]:
                assert resource in container.get("resources", {}).get("requests", {}), (
                    f"{dep['metadata']['name']}/{container['name']}: no {resource} request"
                )
            if _meshed(with_flagger, fluxlib.namespace_of(dep), template):
                annotation = f"config.linkerd.io/proxy-{resource}-request"
                assert annotation in (template["metadata"].get("annotations") or {}), (
                    f"{dep['metadata']['name']}: meshed and autoscaled on {resource}, "
                    f"but the linkerd-proxy has no {annotation}"
                )
            checked += 1
    assert checked >= 2, "expected realworld and realworld-primary to be checked"


def test_committed_tags_are_a_release_that_the_apply_script_checks(
    objects: list[dict[str, Any]],
) -> None:
    """The first deployment runs the committed tags, so they must be a version the release
    process can have published: semantic-release starts at 1.0.0 (a 0.1.0 never exists, and
    its primary would never become ready), inside the ImagePolicy range, and terraform-apply.sh
    must refuse to bootstrap until the registry has it."""
    kustomization = yaml.safe_load(
        (fluxlib.FLUX_DIR / "apps" / "realworld" / "kustomization.yaml").read_text()
    )
    tags = {i["newTag"] for i in kustomization["images"]}
    assert len(tags) == 1, f"both images are released together: {tags}"
    (tag,) = tags
    version = tuple(int(p) for p in tag.split("."))
    assert version >= (1, 0, 0), f"{tag}: semantic-release's first release is 1.0.0"
    policy = fluxlib.find(objects, "ImagePolicy", "realworld", "flux-system")
    assert policy["spec"]["policy"]["semver"]["range"] == ">=1.0.0"
    releaserc = json.loads((fluxlib.REPO_ROOT / ".releaserc.json").read_text())
    assert releaserc["tagFormat"] == "v${version}", "image tags are the version without the v"
    script = (fluxlib.REPO_ROOT / "terraform-apply.sh").read_text()
    assert "check_published_images\n" in script.split("preflight() {", 1)[1], (
        "preflight does not check that the committed image tags are published"
    )
    assert "/manifests/$tag" in script and "realworld realworld-loadtest" in script


def test_the_app_never_connects_as_the_rotating_master_user(objects: list[dict[str, Any]]) -> None:
    """AWS rotates the RDS master password every 7 days; pods and Flagger's primary Secret copy
    would keep the old one. So DATABASE_URL names the app's own role with a generated password,
    and the master secret reaches only the init container that provisions that role, as the
    one live (untracked) Secret, mounted as files."""
    secrets = {es["metadata"]["name"]: es for es in fluxlib.of_kind(objects, "ExternalSecret")}
    app = secrets["realworld-database"]["spec"]
    url = app["target"]["template"]["data"]["DATABASE_URL"]
    assert url.startswith("postgres://realworld_app:"), "the app must use its own role"
    assert "DB_SECRET_ARN" not in json.dumps(app), "the app's URL must not come from the master"
    assert app["dataFrom"][0]["sourceRef"]["generatorRef"]["kind"] == "Password"
    admin = secrets["realworld-database-admin"]["spec"]
    assert admin["data"][0]["remoteRef"]["key"] == fluxlib.example_vars()["DB_SECRET_ARN"]
    annotations = admin["target"]["template"]["metadata"]["annotations"]
    assert annotations["flagger.app/config-tracking"] == "disabled"

    pod = app_deployment(objects)["spec"]["template"]["spec"]
    admin_volumes = {
        v["name"]
        for v in pod["volumes"]
        if v.get("secret", {}).get("secretName") == "realworld-database-admin"
    }
    assert admin_volumes, "the admin Secret is mounted for the init container"
    users = [
        c["name"]
        for c in pod["initContainers"] + pod["containers"]
        if admin_volumes & {m["name"] for m in c.get("volumeMounts", [])}
        or "realworld-database-admin" in json.dumps(c.get("env", []))
    ]
    assert users == ["database-user"], f"only the database-user init container: {users}"
    first = pod["initContainers"][0]
    assert first["name"] == "database-user" and "ensure_database_user" in first["command"]
    assert pod["initContainers"][1]["name"] == "migrate", "the role exists before migrations"
    command = fluxlib.REPO_ROOT / "realworld/common/management/commands/ensure_database_user.py"
    assert command.is_file()


def test_prometheus_scrapes_the_metrics_port_and_may_reach_it(
    with_flagger: list[dict[str, Any]],
) -> None:
    """linkerd-viz's Prometheus keeps the pods whose container port is named `metrics`, labels
    them by Deployment (primary vs canary), and the app's NetworkPolicy lets it in on that
    port and on linkerd's inbound port; the public Service never exposes it."""
    viz = fluxlib.find(with_flagger, "HelmRelease", "linkerd-viz", "linkerd-viz")
    (job,) = [j for j in viz["spec"]["values"]["prometheus"]["scrapeConfigs"]
              if j["job_name"] == "realworld"]  # fmt: skip
    keep = next(r for r in job["relabel_configs"] if r.get("action") == "keep")
    assert keep["source_labels"] == ["__meta_kubernetes_pod_container_port_name"]
    assert keep["regex"] == "metrics"
    targets = {r.get("target_label") for r in job["relabel_configs"]}
    assert "deployment" in targets
    dep = app_deployment(with_flagger)
    labels = dep["spec"]["template"]["metadata"]["labels"]
    admitted = set()
    for policy in fluxlib.of_kind(with_flagger, "NetworkPolicy"):
        if not fluxlib.selector_matches(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                ns = (peer.get("namespaceSelector") or {}).get("matchLabels", {})
                pods = (peer.get("podSelector") or {}).get("matchLabels", {})
                if ns.get("kubernetes.io/metadata.name") == "linkerd-viz" and pods.get(
                    "app.kubernetes.io/name"
                ) in (None, "prometheus"):
                    admitted |= {p["port"] for p in rule.get("ports", [])}
    assert {"metrics", LINKERD_INBOUND_PORT} <= admitted, admitted
    for service in services(with_flagger, APP_NS).values():
        assert all(p.get("targetPort") != "metrics" for p in service["spec"]["ports"])


def test_canary_metric_templates_resolve_and_select_the_canary(
    objects: list[dict[str, Any]],
) -> None:
    """Every templateRef names a MetricTemplate that queries linkerd-viz's Prometheus for the
    canary's own series (the `deployment` label the scrape job sets, `{{ target }}`)."""
    canary = fluxlib.find(objects, "Canary", "realworld", APP_NS)
    refs = [m for m in canary["spec"]["analysis"]["metrics"] if "templateRef" in m]
    assert refs == canary["spec"]["analysis"]["metrics"], "every gate is a MetricTemplate"
    assert {m["name"] for m in refs} == {
        "success-rate",
        "latency-p99",
        "client-error-rate",
        "database-error-rate",
    }
    flagger = fluxlib.find(objects, "HelmRelease", "flagger", "flagger-system")
    for metric in refs:
        ref = metric["templateRef"]
        template = fluxlib.find(
            objects, "MetricTemplate", ref["name"], ref.get("namespace", APP_NS)
        )
        assert template is not None, f"{metric['name']}: no MetricTemplate {ref}"
        spec = template["spec"]
        assert spec["provider"]["address"] == flagger["spec"]["values"]["metricsServer"]
        assert 'deployment="{{ target }}"' in spec["query"]
        assert "{{ interval }}" in spec["query"] and "thresholdRange" in metric
        assert spec["query"].count("(") == spec["query"].count(")"), spec["query"]


def test_canary_gates_do_not_use_the_built_in_names(objects: list[dict[str, Any]]) -> None:
    """Flagger runs its built-in query for a metric named request-success-rate or
    request-duration whatever its templateRef says (pkg/controller/scheduler_metrics.go); with
    the gatewayapi provider that query reads http_requests_total, which nothing exports here,
    so every analysis would halt on "no values found" and every release would roll back."""
    canary = fluxlib.find(objects, "Canary", "realworld", APP_NS)
    names = {m["name"] for m in canary["spec"]["analysis"]["metrics"]}
    assert not names & {"request-success-rate", "request-duration"}, names


def test_canary_traffic_is_split_by_an_httproute_on_the_apex_service(
    objects: list[dict[str, Any]], with_flagger: list[dict[str, Any]]
) -> None:
    """The route Flagger writes is attached to the apex Service that users (the Ingress, with
    service-upstream) and the load generators call, at its port, so meshed clients apply the
    weights; its backends are the generated primary and canary Services; the HTTPRoute CRD is
    installed by linkerd-crds, and the SMI extension is gone."""
    canary = fluxlib.find(objects, "Canary", "realworld", APP_NS)
    service = canary["spec"]["service"]
    route = fluxlib.find(with_flagger, "HTTPRoute", service["name"], APP_NS)
    assert route is not None
    (parent,) = route["spec"]["parentRefs"]
    assert (parent["group"], parent["kind"]) == ("core", "Service")
    assert (parent["name"], parent["namespace"], parent["port"]) == (
        service["name"],
        APP_NS,
        service["port"],
    )
    assert "hostnames" not in route["spec"], "a route on a Service matches no host names"
    for backend in route["spec"]["rules"][0]["backendRefs"]:
        assert fluxlib.exists(with_flagger, "Service", backend["name"], APP_NS), backend
    ingress = fluxlib.find(objects, "Ingress", "realworld", APP_NS)
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/service-upstream"] == "true"
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"]["name"] == parent["name"]
    crds = fluxlib.find(objects, "HelmRelease", "linkerd-crds", "linkerd")
    assert crds["spec"]["values"]["installGatewayAPI"] is True
    assert not [
        o
        for o in objects
        if "smi" in (fluxlib.namespace_of(o) or "")
        or fluxlib.group_of(o["apiVersion"]).endswith("smi-spec.io")
    ]


# --------------------------------------------------------------------------- dashboards


def test_grafana_loads_the_dashboards_from_the_prometheus_flagger_reads(
    objects: list[dict[str, Any]],
) -> None:
    """The dashboards' ConfigMap carries the label Grafana's sidecar watches, in the namespace it
    searches; the data source is the Prometheus Flagger's gates query, which admits Grafana's
    service account; and nothing exposes Grafana outside the cluster (port-forward only)."""
    release = fluxlib.find(objects, "HelmRelease", "grafana", "grafana")
    values = release["spec"]["values"]
    sidecar = values["sidecar"]["dashboards"]
    dashboards = fluxlib.find(objects, "ConfigMap", "grafana-dashboards-realworld", "grafana")
    assert dashboards["metadata"]["labels"][sidecar["label"]] == sidecar["labelValue"]
    assert sidecar["searchNamespace"] == fluxlib.namespace_of(dashboards)
    assert set(dashboards["data"]) == {"realworld.json", "canary.json"}
    for name, text in dashboards["data"].items():
        dashboard = json.loads(text)
        assert dashboard["uid"] and dashboard["panels"], name
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == "prometheus", f"{name}: {panel['title']}"
    (source,) = values["datasources"]["datasources.yaml"]["datasources"]
    flagger = fluxlib.find(objects, "HelmRelease", "flagger", "flagger-system")
    assert source["uid"] == "prometheus"
    assert source["url"] == flagger["spec"]["values"]["metricsServer"]
    policy = fluxlib.find(objects, "AuthorizationPolicy", "prometheus-admin-grafana", "linkerd-viz")
    (identity,) = policy["spec"]["requiredAuthenticationRefs"]
    assert (identity["name"], identity["namespace"]) == (release["spec"]["releaseName"], "grafana")
    namespace = fluxlib.find(objects, "Namespace", "grafana", None)
    assert namespace["metadata"]["annotations"]["linkerd.io/inject"] == "enabled"
    assert values["service"]["type"] == "ClusterIP" and values["ingress"]["enabled"] is False
    assert not [
        i for i in fluxlib.of_kind(objects, "Ingress") if fluxlib.namespace_of(i) == "grafana"
    ]


def test_one_kubernetes_version_everywhere() -> None:
    """The cluster's version (Terraform's default) is what these tests and CI's kubeconform
    validate against: a cluster upgrade cannot leave the checks on an older API."""
    terraform = fluxlib.terraform_kubernetes_version()
    workflow = yaml.safe_load(
        (fluxlib.REPO_ROOT / ".github/workflows/infrastructure.yml").read_text()
    )
    assert workflow["env"]["KUBERNETES_VERSION"].startswith(f"{terraform}.")
    assert terraform == fluxlib.K8S_VERSION
