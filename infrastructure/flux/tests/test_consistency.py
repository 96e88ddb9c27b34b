"""Cross-object consistency: the names, labels, ports and references have to line up for the
cluster to work, and no schema checks that."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import fluxlib
import model
import pytest
import yaml

from conftest import STATS

APP_NS = "realworld"
# Nested Flux Kustomizations that a cluster var switches on (apps/takehome/*.yaml).
OPTIONAL_FEATURES = ("notifications", "error-tracking")

EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+$")


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


# The Kustomizations that apply upstream CRD folders (from their own GitRepositories).
CRD_LAYERS = ("gateway-api-crds", "envoy-gateway-crds")


def test_flux_kustomizations_are_complete() -> None:
    for ks in fluxlib.flux_kustomizations():
        spec = ks["spec"]
        name = ks["metadata"]["name"]
        for key in ("interval", "retryInterval", "timeout", "path", "sourceRef"):
            assert key in spec, f"{name}: spec.{key} missing"
        if name in CRD_LAYERS:
            # Pruning a CRD deletes every object of its kind (every route, every Gateway).
            assert spec.get("prune") is False, f"{name}: a CRD layer must never prune"
            assert "postBuild" not in spec, f"{name}: upstream files are applied as they are"
            continue
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
    assert deps["infra-controllers"] == list(CRD_LAYERS)
    for layer in CRD_LAYERS:
        assert deps[layer] == []
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


def test_pdb_protects_the_serving_pods(with_flagger: list[dict[str, Any]]) -> None:
    primary = fluxlib.find(with_flagger, "Deployment", "realworld-primary", APP_NS)
    assert primary is not None
    labels = primary["spec"]["template"]["metadata"]["labels"]
    assert any(
        fluxlib.selector_matches(pdb["spec"]["selector"], labels)
        for pdb in fluxlib.of_kind(with_flagger, "PodDisruptionBudget")
    ), "no PodDisruptionBudget covers realworld-primary"


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
    # HTTPRoute backends (the edge's routes and Flagger's).
    routes = fluxlib.of_kind(with_flagger, "HTTPRoute")
    assert routes
    for route in routes:
        for rule in route["spec"]["rules"]:
            for backend in rule.get("backendRefs", []):
                svc = services(with_flagger, fluxlib.namespace_of(route)).get(backend["name"])
                assert svc is not None, f"HTTPRoute backend {backend['name']} does not exist"
                assert backend["port"] in {p["port"] for p in svc["spec"]["ports"]}, backend
    assert apex["spec"]["ports"][0]["targetPort"] == "http"
    # NetworkPolicy ports towards the API name or number the container port (or the port of
    # linkerd's inbound proxy, read from the rendered chart).
    inbound = model.build().mesh.inbound_port
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
                        inbound,
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

    hosts = sorted(
        {listener["hostname"] for g in fluxlib.of_kind(with_flagger, "Gateway") for listener in g["spec"]["listeners"]}
        | {h for r in fluxlib.of_kind(with_flagger, "HTTPRoute") for h in r["spec"].get("hostnames", [])}
    )  # fmt: skip
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
    # Each image's tag follows the policy of its own repository: a tag pushed for one image
    # only is never written for the other (ImagePullBackOff on `kubectl scale`).
    path = fluxlib.FLUX_DIR / "apps" / "realworld" / "kustomization.yaml"
    lines = path.read_text().splitlines()
    for entry in kustomization["images"]:
        line = next(x for x in lines if x.strip().startswith("newName:") and entry["newName"] in x)
        tag_line = lines[lines.index(line) + 1]
        namespace, name = json.loads(MARKER.search(tag_line).group(1))["$imagepolicy"].split(":")[
            :2
        ]
        policy = fluxlib.find(objects, "ImagePolicy", name, namespace)
        repository = fluxlib.find(
            objects, "ImageRepository", policy["spec"]["imageRepositoryRef"]["name"], namespace
        )
        assert repository["spec"]["image"] == entry["newName"].replace("${GITHUB_OWNER}", owner), (
            f"{entry['name']}'s tag follows {namespace}/{name}, which watches {repository['spec']['image']}"
        )


def test_the_rollback_runbook_suspends_the_automation_that_would_undo_the_pin(
    objects: list[dict[str, Any]],
) -> None:
    """docs/releasing.md: a pinned tag holds only while the ImageUpdateAutomation that writes
    the markers is suspended (it sets every marker to the policy's newest tag at each run).
    Its commands must name that automation, the file it rewrites, and come in that order."""
    runbook = (fluxlib.REPO_ROOT / "docs" / "releasing.md").read_text()
    block = runbook.split("```bash", 1)[1].split("```", 1)[0]
    commands = [
        line.strip()
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    suspend = re.compile(r"^flux suspend image update (\S+) -n (\S+)$")
    resume = re.compile(r"^flux resume image update (\S+) -n (\S+)$")
    (suspended,) = [suspend.match(c).groups() for c in commands if suspend.match(c)]
    (resumed,) = [resume.match(c).groups() for c in commands if resume.match(c)]
    assert suspended == resumed
    name, namespace = suspended
    automation = fluxlib.find(objects, "ImageUpdateAutomation", name, namespace)
    assert automation is not None, f"the runbook suspends {namespace}/{name}, which does not exist"
    pin = next(i for i, c in enumerate(commands) if c.startswith("git commit"))
    order = [commands.index(next(c for c in commands if suspend.match(c))), pin,
             commands.index(next(c for c in commands if resume.match(c)))]  # fmt: skip
    assert order == sorted(order), "suspend, then pin, then resume"
    assert '"chore(release): pin' in commands[pin], "a pin that is not a release (delivery-check)"
    # The file the runbook edits carries the markers this automation rewrites.
    pinned = fluxlib.REPO_ROOT / "infrastructure/flux/apps/realworld/kustomization.yaml"
    assert str(pinned.relative_to(fluxlib.REPO_ROOT)) in runbook
    marked = [(path, policy) for path, _, policy in markers() if path.resolve() == pinned.resolve()]
    assert len(marked) == 2, "both images' tags are pinned together"
    update_path = (fluxlib.REPO_ROOT / automation["spec"]["update"]["path"]).resolve()
    assert pinned.resolve().is_relative_to(update_path)
    documents = [
        fluxlib.REPO_ROOT / "README.md",
        *sorted((fluxlib.REPO_ROOT / "docs").glob("*.md")),
    ]
    for document in documents:
        text = document.read_text()
        assert "revert the automation's commit" not in text, (
            f"{document.relative_to(fluxlib.REPO_ROOT)} must not advise a revert"
        )
    assert "docs/releasing.md" in (fluxlib.REPO_ROOT / "README.md").read_text()


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
        d.obj["metadata"]["name"]
        for d in fluxlib.built_documents()
        if d.kustomization == "infra-controllers" and d.obj["kind"] == "HelmRelease"
    }
    # Every pod those charts really render (their Jobs included), read from the render: a
    # chart that takes its tolerations from another value than we set shows here.
    m = model.build()
    pods = [p for p in m.pods if p.origin.removeprefix("chart ") in releases]
    assert {p.origin.removeprefix("chart ") for p in pods} >= releases - {"linkerd-crds"}
    for pod in pods:
        tolerations = pod.spec.get("tolerations") or []
        # `operator: Exists` on the key, or with no key at all (tolerates every taint).
        assert any(
            t.get("operator") == "Exists" and t.get("key") in (key, None) for t in tolerations
        ), f"{pod.ref} ({pod.origin}) does not tolerate {key}"
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


def test_meshed_edge_sees_the_client_address() -> None:
    """A meshed Envoy whose inbound proxy takes the client's connection sees every client as
    127.0.0.1 (linkerd2#3403): one throttle bucket for all users. The public ports of the Envoy
    pod Envoy Gateway runs (the Service's targets) must skip the inbound proxy, and the Service
    must keep the source address (externalTrafficPolicy: Local)."""
    m = model.build()
    (service,) = [
        o
        for o in m.objects
        if o.get("kind") == "Service" and o["spec"].get("type") == "LoadBalancer"
    ]
    assert service["spec"]["externalTrafficPolicy"] == "Local"
    namespace = fluxlib.namespace_of(service) or ""
    (pod,) = m.selected_pods(namespace, {"matchLabels": service["spec"]["selector"]})
    assert pod.meshed, "Envoy must be meshed (the canary split applies to its requests)"
    skipped = {
        int(p)
        for p in pod.annotations.get("config.linkerd.io/skip-inbound-ports", "").split(",")
        if p
    }
    public = {pod.resolve(p["targetPort"]) for p in service["spec"]["ports"]}
    assert public and public <= skipped, f"public ports {public}, skip-inbound-ports {skipped}"


def test_autoscaled_pods_request_cpu_in_every_container(
    with_flagger: list[dict[str, Any]],
) -> None:
    """A CPU-utilization HPA needs a CPU request on every container, the injected linkerd-proxy
    included ("missing request for cpu in container linkerd-proxy": it never scales). The
    proxy gets none by default, only through config.linkerd.io/proxy-cpu-request."""
    checked = 0
    m = model.build()
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
            if m.pod(fluxlib.namespace_of(dep) or "", dep["metadata"]["name"]).meshed:
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
    # Least privilege: the schema belongs to realworld_owner, which only migrations connect as;
    # the app's role has data rights only (ensure_database_user grants them).
    owner = secrets["realworld-database-owner"]["spec"]
    owner_url = owner["target"]["template"]["data"]["DATABASE_URL"]
    assert (
        owner_url.startswith("postgres://realworld_owner:") and "sslmode=verify-full" in owner_url
    )
    assert owner["dataFrom"][0]["sourceRef"]["generatorRef"]["kind"] == "Password"

    def database_secrets(container: dict[str, Any]) -> dict[str, str]:
        return {
            e["name"]: e["valueFrom"]["secretKeyRef"]["name"]
            for e in container.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {}) and e["name"].endswith("DATABASE_URL")
        }

    assert database_secrets(first) == {
        "DATABASE_URL": "realworld-database",
        "MIGRATION_DATABASE_URL": "realworld-database-owner",
    }
    assert database_secrets(pod["initContainers"][1]) == {
        "DATABASE_URL": "realworld-database-owner"
    }
    assert database_secrets(pod["containers"][0]) == {"DATABASE_URL": "realworld-database"}
    command = fluxlib.REPO_ROOT / "realworld/common/management/commands/ensure_database_user.py"
    assert command.is_file()


def test_prometheus_scrapes_the_metrics_port_and_no_service_exposes_it(
    with_flagger: list[dict[str, Any]],
) -> None:
    """linkerd-viz's Prometheus, with its rendered configuration, keeps exactly the app's
    `metrics` port of the primary's and the canary's pods in the `realworld` job (that it may
    connect is the flow matrix's business); no Service exposes that port."""
    import scrapes

    m = model.build()
    for name in ("realworld", "realworld-primary"):
        ports = [
            port
            for job, port, _ in scrapes.series_labels(m, m.pod(APP_NS, name))
            if job == "realworld"
        ]
        assert ports == ["metrics"], (name, ports)
    for service in services(with_flagger, APP_NS).values():
        assert all(p.get("targetPort") != "metrics" for p in service["spec"]["ports"])


def test_flaggers_metrics_source_survives_a_drain_and_keeps_an_analysis() -> None:
    """The canary's gates have one source, linkerd-viz's Prometheus (emptyDir). As rendered
    (the chart fixes one replica; a post-renderer makes two): two replicas spread over nodes, a
    PodDisruptionBudget that lets one go at a time and so never blocks Karpenter, on-demand
    capacity the NodePool can launch, retention that outlasts the longest analysis many times.
    On kind, which has no Karpenter, nothing asks for a node label kind's node lacks."""
    eks = model.build()
    (deployment,) = [
        o for release, o in eks.chart_objects
        if release == "linkerd-viz" and o["kind"] == "Deployment" and o["metadata"]["name"] == "prometheus"
    ]  # fmt: skip
    assert deployment["spec"]["replicas"] >= 2, "one replica is lost with its node"
    prometheus = eks.pod("linkerd-viz", "prometheus")
    spread = prometheus.spec.get("topologySpreadConstraints") or []
    assert "kubernetes.io/hostname" in {c["topologyKey"] for c in spread}
    for constraint in spread:
        assert fluxlib.selector_matches(constraint["labelSelector"], prometheus.labels), constraint
    budgets = [
        b for b in eks.of_kind("PodDisruptionBudget")
        if fluxlib.namespace_of(b) == "linkerd-viz"
        and fluxlib.selector_matches(b["spec"]["selector"], prometheus.labels)
    ]  # fmt: skip
    assert len(budgets) == 1, budgets
    allowed = deployment["spec"]["replicas"] - budgets[0]["spec"]["minAvailable"]
    assert allowed == 1, (
        "one at a time: never both, never none (a PDB that allows no eviction stalls Karpenter)"
    )
    assert "karpenter.sh/do-not-disrupt" not in prometheus.annotations, (
        "it would stall the NodePool"
    )
    selector = prometheus.spec.get("nodeSelector") or {}
    assert selector.get("karpenter.sh/capacity-type") == "on-demand", selector
    nodepool = fluxlib.find(eks.ours, "NodePool", "default")
    capacity = next(
        r for r in nodepool["spec"]["template"]["spec"]["requirements"]
        if r["key"] == "karpenter.sh/capacity-type"
    )  # fmt: skip
    assert "on-demand" in capacity["values"], "the NodePool must be able to launch it"
    container = next(c for c in prometheus.spec["containers"] if c["name"] == "prometheus")
    retention = next(a for a in container["args"] if a.startswith("--storage.tsdb.retention.time="))
    hours = int(retention.split("=", 1)[1].removesuffix("h"))
    canary = fluxlib.find(eks.ours, "Canary", "realworld", APP_NS)["spec"]
    analysis = canary["analysis"]
    minutes = int(analysis["interval"].removesuffix("m"))
    steps = analysis["maxWeight"] // analysis["stepWeight"] + analysis["threshold"]
    longest = steps * minutes + canary["progressDeadlineSeconds"] // 60
    assert hours * 60 >= 10 * longest, f"{hours}h of retention for a {longest} min analysis"
    requests = container["resources"]["requests"]
    assert requests.get("memory") and requests.get("cpu"), "requests size the node it lands on"
    kind_selectors = [
        (p.ref, key)
        for p in model.build("kind").pods
        for key in (p.spec.get("nodeSelector") or {})
        if key.startswith(("karpenter.sh/", "karpenter.k8s.aws/", "role"))
    ]
    assert not kind_selectors, f"kind's node has no such label: {kind_selectors}"


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
    """The route Flagger writes is attached to the apex Service that users (through the edge,
    which routes to Service addresses) and the load generators call, at its port, so meshed
    clients apply the weights; its backends are the generated primary and canary Services; the
    HTTPRoute CRD comes from gateway-api-crds, and the SMI extension is gone."""
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
    # The edge's route sends everything to the apex Service, at its ClusterIP (routingType
    # Service): Envoy's own linkerd proxy then applies the split.
    public = fluxlib.find(objects, "HTTPRoute", "realworld-public", APP_NS)
    backends = [b for rule in public["spec"]["rules"] for b in rule["backendRefs"]]
    assert [(b["name"], b["port"]) for b in backends] == [(parent["name"], parent["port"])]
    (gateway,) = fluxlib.of_kind(objects, "Gateway")
    klass = fluxlib.find(objects, "GatewayClass", gateway["spec"]["gatewayClassName"])
    ref = klass["spec"]["parametersRef"]
    proxy = fluxlib.find(objects, "EnvoyProxy", ref["name"], ref["namespace"])
    assert proxy["spec"]["routingType"] == "Service"
    for policy in fluxlib.of_kind(objects, "BackendTrafficPolicy"):
        assert policy["spec"].get("routingType", "Service") == "Service", "pod IPs bypass the split"
    crds = fluxlib.find(objects, "HelmRelease", "linkerd-crds", "linkerd")
    assert crds["spec"]["values"]["installGatewayAPI"] is False, "gateway-api-crds installs them"
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
    grafana = model.build().pod("grafana", "grafana")  # the ServiceAccount its chart gives it
    assert (identity["name"], identity["namespace"]) == (grafana.service_account, "grafana")
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
