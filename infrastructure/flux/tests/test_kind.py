"""The `kind` cluster (clusters/kind, infrastructure/flux/kind) that cluster-e2e.yml deploys:
the EKS cluster's manifests minus AWS, so what the e2e run promotes and rolls back is the
product's own Canary, gates and app, not a lookalike. (Schemas and substitution of both
clusters: test_schemas.py, test_render.py.)"""

from __future__ import annotations

import copy
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import fluxlib
import pytest
import yaml
from test_consistency import CRD_LAYERS

APP_NS = "realworld"
WORKFLOW = fluxlib.REPO_ROOT / ".github/workflows/cluster-e2e.yml"
SCRIPT = fluxlib.REPO_ROOT / "scripts/cluster-e2e.sh"
FAULTY = fluxlib.FLUX_DIR / "kind/faulty-image/faulty_wsgi.py"


@pytest.fixture(scope="module")
def kind() -> list[dict[str, Any]]:
    return fluxlib.all_objects("kind")


@pytest.fixture(scope="module")
def takehome() -> list[dict[str, Any]]:
    return fluxlib.all_objects("takehome")


def one(objects: list[dict[str, Any]], kind: str, name: str, ns: str | None = APP_NS) -> Any:
    found = fluxlib.find(objects, kind, name, ns)
    assert found is not None, f"{kind} {ns}/{name} missing"
    return found


def test_same_layers_in_the_same_order_as_on_eks() -> None:
    def layers(cluster: str) -> dict[str, Any]:
        return {
            ks["metadata"]["name"]: (
                [d["name"] for d in ks["spec"].get("dependsOn", [])],
                ks["spec"]["wait"],
                ks["spec"].get("postBuild"),
            )
            for ks in fluxlib.flux_kustomizations(cluster)
            if ks["metadata"]["name"]
            in {"infra-controllers", "infra-configs", "infra-mesh", "apps", *CRD_LAYERS}
        }

    def crd_layers(cluster: str) -> list[Any]:
        objects = fluxlib.cluster_objects(cluster)
        found = []
        for name in CRD_LAYERS:
            ks = one(objects, "Kustomization", name, "flux-system")
            source = ks["spec"]["sourceRef"]["name"]
            found.append((ks["spec"], one(objects, "GitRepository", source, "flux-system")["spec"]))
        return found

    assert layers("kind") == layers("takehome")
    # The same upstream CRDs at the same releases.
    assert crd_layers("kind") == crd_layers("takehome")
    for ks in fluxlib.flux_kustomizations("kind"):
        if ks["metadata"]["name"] in CRD_LAYERS:
            continue
        assert ks["spec"]["path"].startswith("./infrastructure/flux/kind/"), ks["spec"]["path"]


def test_nothing_that_needs_aws(kind: list[dict[str, Any]]) -> None:
    groups = {fluxlib.group_of(o["apiVersion"]) for o in kind}
    assert not groups & {"karpenter.sh", "karpenter.k8s.aws"}
    assert not fluxlib.of_kind(kind, "ClusterSecretStore")
    assert not [e for e in fluxlib.of_kind(kind, "ExternalSecret") if "secretStoreRef" in e["spec"]]
    assert fluxlib.find(kind, "ClusterIssuer", "letsencrypt-staging", None) is None
    text = yaml.safe_dump_all(kind)
    for needle in ("amazonaws.com", "aws-load-balancer", "rds-ca-bundle", "secretsmanager"):
        assert needle not in text, needle


def normalized_pod_spec(deployment: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(deployment["spec"]["template"]["spec"])
    for container in spec.get("initContainers", []) + spec["containers"]:
        container.pop("image")
        container.pop("imagePullPolicy")
    spec["volumes"] = [v for v in spec["volumes"] if v["name"] != "rds-ca"]
    return spec


def test_the_app_and_its_release_gates_are_the_eks_ones(
    kind: list[dict[str, Any]], takehome: list[dict[str, Any]]
) -> None:
    """Canary, MetricTemplates, the HPA's target and the pod spec are the EKS cluster's, but for
    the images and the RDS CA volume; the release path (HTTPRoute) is generated the same way."""
    for kind_name, name in [("Canary", "realworld")] + [
        ("MetricTemplate", t["metadata"]["name"])
        for t in fluxlib.of_kind(takehome, "MetricTemplate")
    ]:
        assert one(kind, kind_name, name)["spec"] == one(takehome, kind_name, name)["spec"], name
    app, eks_app = one(kind, "Deployment", "realworld"), one(takehome, "Deployment", "realworld")
    assert normalized_pod_spec(app) == normalized_pod_spec(eks_app)
    assert {"metadata": app["spec"]["template"]["metadata"]} == {
        "metadata": eks_app["spec"]["template"]["metadata"]
    }
    hpa, eks_hpa = (
        one(kind, "HorizontalPodAutoscaler", "realworld"),
        one(takehome, "HorizontalPodAutoscaler", "realworld"),
    )
    assert hpa["spec"]["metrics"] == eks_hpa["spec"]["metrics"] and hpa["spec"]["minReplicas"] == 1
    # The policies as on EKS (the EKS-only Sentry egress and the HTTP-01 solver's, for an ACME
    # issuer kind does not have, aside), plus the database's.
    kind_policies = {
        (p["metadata"]["namespace"], p["metadata"]["name"]): p["spec"]
        for p in fluxlib.of_kind(kind, "NetworkPolicy")
    }
    assert set(kind_policies) == {
        (APP_NS, "default-deny"),
        (APP_NS, "dns-and-mesh"),
        (APP_NS, "realworld-api"),
        (APP_NS, "realworld-loadtest"),
        (APP_NS, "postgres"),
        ("flagger-system", "flagger-loadtester-egress"),
    }
    for (ns, name), spec in kind_policies.items():
        if name != "postgres":
            assert spec == one(takehome, "NetworkPolicy", name, ns)["spec"], name
    for kind_name in ("Server", "AuthorizationPolicy"):
        ours = {o["metadata"]["name"]: o["spec"] for o in fluxlib.of_kind(kind, kind_name)}
        assert ours == {
            o["metadata"]["name"]: o["spec"] for o in fluxlib.of_kind(takehome, kind_name)
        }, kind_name
    route = fluxlib.find(fluxlib.flagger_generated(kind), "HTTPRoute", "realworld", APP_NS)
    assert route == fluxlib.find(
        fluxlib.flagger_generated(takehome), "HTTPRoute", "realworld", APP_NS
    )


def test_images_are_the_loaded_tag_and_never_pulled(kind: list[dict[str, Any]]) -> None:
    tag = fluxlib.example_vars("kind")["E2E_IMAGE_TAG"]
    spec = one(kind, "Deployment", "realworld")["spec"]["template"]["spec"]
    for container in spec["initContainers"] + spec["containers"]:
        assert container["image"] == f"ghcr.io/e2e/realworld:{tag}", container["name"]
        assert container["imagePullPolicy"] == "IfNotPresent", container["name"]
    script = SCRIPT.read_text()
    assert "IMAGE=ghcr.io/e2e/realworld" in script
    for release in (tag, "e2e-2", "e2e-faulty"):
        assert f'--tag "$IMAGE:{release}"' in script, f"the script never builds {release}"
    assert f"for tag in {tag} e2e-2 e2e-faulty; do" in script  # ... and loads them into kind


def test_the_database_is_in_the_cluster_and_reachable_only_by_the_app(
    kind: list[dict[str, Any]],
) -> None:
    variables = fluxlib.example_vars("kind")
    service_name, service_ns = variables["DB_HOST"].split(".")[:2]
    service = one(kind, "Service", service_name, service_ns)
    (port,) = service["spec"]["ports"]
    assert str(port["port"]) == variables["DB_PORT"]
    database = one(kind, "Deployment", "postgres")
    pod = database["spec"]["template"]
    assert fluxlib.selector_matches(
        {"matchLabels": service["spec"]["selector"]}, pod["metadata"]["labels"]
    )
    assert pod["metadata"]["annotations"]["linkerd.io/inject"] == "disabled"
    (container,) = pod["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["POSTGRES_DB"] == variables["DB_NAME"]
    # The same admin Secret the app's database-user init container reads (created by the script).
    admin_volume = next(v for v in pod["spec"]["volumes"] if "secret" in v)
    assert admin_volume["secret"]["secretName"] == "realworld-database-admin"
    assert {env["POSTGRES_USER_FILE"], env["POSTGRES_PASSWORD_FILE"]} == {
        "/etc/db-admin/username",
        "/etc/db-admin/password",
    }
    assert "realworld-database-admin" in SCRIPT.read_text()
    app = one(kind, "Deployment", "realworld")["spec"]["template"]
    assert any(
        v.get("secret", {}).get("secretName") == "realworld-database-admin"
        for v in app["spec"]["volumes"]
    )
    url = one(kind, "ExternalSecret", "realworld-database")["spec"]["target"]["template"]["data"][
        "DATABASE_URL"
    ]
    assert f"@{variables['DB_HOST']}:{variables['DB_PORT']}/{variables['DB_NAME']}?" in url
    assert "sslrootcert" not in url
    policy = one(kind, "NetworkPolicy", "postgres")
    assert fluxlib.selector_matches(policy["spec"]["podSelector"], pod["metadata"]["labels"])
    (rule,) = policy["spec"]["ingress"]
    (source,) = rule["from"]
    assert fluxlib.selector_matches(source["podSelector"], app["metadata"]["labels"])
    assert not fluxlib.selector_matches(
        source["podSelector"], {"app.kubernetes.io/name": "realworld-loadtest"}
    )


def test_everything_fits_one_node(kind: list[dict[str, Any]]) -> None:
    """kind runs one node: linkerd's required anti-affinity would leave a replica Pending."""
    values = one(kind, "HelmRelease", "linkerd-control-plane", "linkerd")["spec"]["values"]
    assert values["controllerReplicas"] == 1 and values["enablePodAntiAffinity"] is False
    edge = one(kind, "EnvoyProxy", "edge", "envoy-gateway-system")["spec"]["provider"]["kubernetes"]
    assert edge["envoyService"]["type"] == "NodePort"
    assert "annotations" not in edge["envoyService"]  # no NLB
    assert edge["envoyDeployment"]["replicas"] == 1 and edge["envoyPDB"]["minAvailable"] == 0
    controller = one(kind, "HelmRelease", "envoy-gateway", "envoy-gateway-system")["spec"]
    assert controller["values"]["deployment"]["replicas"] == 1
    # The app spreads over zones with DoNotSchedule: the kind node must carry a zone label.
    assert "topology.kubernetes.io/zone:" in SCRIPT.read_text()


def test_the_workflow_runs_the_script_for_every_outcome() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # PyYAML reads the key `on` as True
    assert {"schedule", "workflow_dispatch"} <= set(triggers)
    (job,) = workflow["jobs"].values()
    runs = [step.get("run", "") for step in job["steps"]]
    for command in (
        "scripts/cluster-e2e.sh up",
        "scripts/cluster-e2e.sh smoke",
        "scripts/cluster-e2e.sh release e2e-2 Succeeded",
        "scripts/cluster-e2e.sh release e2e-faulty Failed",
        "scripts/cluster-e2e.sh diagnose",
    ):
        assert command in runs, command
    assert runs.index("scripts/cluster-e2e.sh release e2e-2 Succeeded") < runs.index(
        "scripts/cluster-e2e.sh release e2e-faulty Failed"
    )
    assert job["permissions"] == {"contents": "read"}


def load_faulty_app(real: Any) -> types.ModuleType:
    stub = types.ModuleType("realworld.wsgi")
    stub.application = real  # type: ignore[attr-defined]
    modules = {"realworld": types.ModuleType("realworld"), "realworld.wsgi": stub}
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        spec = importlib.util.spec_from_file_location("faulty_wsgi", FAULTY)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


def test_the_faulty_release_fails_the_analysis_but_not_the_acceptance_check(
    kind: list[dict[str, Any]],
) -> None:
    """e2e-faulty answers 500 to GET /api/articles only: the pre-rollout acceptance check (which
    never lists articles) passes, the rollout load (which does) fails the success-rate gate. A
    fault the acceptance check caught would test a different rollback."""
    served = []

    def real(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        served.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"ok"]

    app = load_faulty_app(real)
    statuses: list[str] = []

    def call(method: str, path: str) -> list[bytes]:
        return list(
            app.application(
                {"REQUEST_METHOD": method, "PATH_INFO": path},
                lambda status, headers: statuses.append(status),
            )
        )

    assert call("GET", "/api/articles") == [app.FAULTY_BODY] and statuses[-1].startswith("500")
    for method, path in [
        ("GET", "/api/articles/some-slug"),
        ("POST", "/api/articles"),
        ("GET", "/"),
    ]:
        assert call(method, path) == [b"ok"] and statuses[-1] == "200 OK"
    assert served == ["/api/articles/some-slug", "/api/articles", "/"]

    hooks = {h["name"]: h for h in one(kind, "Canary", "realworld")["spec"]["analysis"]["webhooks"]}
    acceptance = hooks["acceptance-test"]["metadata"]["cmd"]
    # It creates an article (a POST, with -d) and reads it back by slug; it never lists.
    assert acceptance.count('"$api/articles"') == 1 and "$api/articles?" not in acceptance
    assert "-d " in acceptance.split('"$api/articles"')[0].splitlines()[-1]
    assert "/api/articles?limit=" in hooks["load-test"]["metadata"]["cmd"]
    assert "/api/articles?limit=" in hooks["user-journeys"]["metadata"]["cmd"]


def test_the_faulty_image_builds_on_the_product_image() -> None:
    dockerfile = (FAULTY.parent / "Dockerfile").read_text()
    assert "ARG BASE=ghcr.io/e2e/realworld:e2e-1" in dockerfile
    product_cmd = next(
        line
        for line in (fluxlib.REPO_ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("CMD") and "gunicorn" in line
    )
    assert (
        product_cmd.replace("realworld.wsgi:application", "faulty_wsgi:application") in dockerfile
    )
    assert Path(FAULTY).name in dockerfile
