"""The public edge (Envoy Gateway): what the app counts on, read from the configuration the
clusters apply. Flows and selectors are in test_flows.py; what each setting stands for is in
docs/edge.md."""

from __future__ import annotations

import math
import re
import subprocess
from typing import Any

import charts
import fluxlib
import model
import pytest

APP_NS = "realworld"
RETIRED = "ingress" + "-nginx"  # spelled apart so this file does not match itself


def _objects(cluster: str) -> list[dict[str, Any]]:
    return fluxlib.all_objects(cluster)


def _targeting_gateway(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (gateway,) = fluxlib.of_kind(objects, "Gateway")
    (policy,) = [
        p
        for p in fluxlib.of_kind(objects, kind)
        if {"kind": "Gateway", "name": gateway["metadata"]["name"]}
        in [{"kind": t["kind"], "name": t["name"]} for t in p["spec"]["targetRefs"]]
        and fluxlib.namespace_of(p) == fluxlib.namespace_of(gateway)
    ]
    return policy


def _quantity(value: str | int) -> int:
    units = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "k": 1000, "M": 1000**2}
    match = re.fullmatch(r"(\d+)([A-Za-z]*)", str(value))
    assert match, value
    return int(match.group(1)) * units.get(match.group(2), 1)


def _app_setting(name: str) -> str:
    """A setting's default in realworld/settings.py, unless the Deployment overrides it."""
    deployment = fluxlib.find(_objects("takehome"), "Deployment", "realworld", APP_NS)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    override = fluxlib.env_value(container, name)
    if override is not None:
        return override
    settings = (fluxlib.REPO_ROOT / "realworld/settings.py").read_text()
    found = re.search(rf'^{name} = env_int\("{name}", ([0-9 *]+),', settings, re.M)
    assert found, f"{name} not found in settings.py"
    return str(math.prod(int(factor) for factor in found.group(1).split("*")))


@pytest.mark.parametrize("cluster", fluxlib.CLUSTERS)
def test_whole_bodies_are_buffered_and_the_apps_limit_answered_at_the_edge(cluster: str) -> None:
    """A slow client must never hold a gunicorn worker: every route of the HTTPS listener buffers
    the whole body first (Envoy's buffer filter), and refuses with 413 above the app's own limit."""
    policy = _targeting_gateway(_objects(cluster), "BackendTrafficPolicy")
    # Every route of the HTTPS listener (the HTTP one only redirects).
    assert [t.get("sectionName") for t in policy["spec"]["targetRefs"]] == ["https"]
    limit = _quantity(policy["spec"]["requestBuffer"]["limit"])
    assert limit == int(_app_setting("MAX_REQUEST_BODY_BYTES")) == 1024 * 1024
    assert "httpUpgrade" not in policy["spec"], "request buffering cannot carry upgrades"


@pytest.mark.parametrize("cluster", fluxlib.CLUSTERS)
def test_a_request_id_on_every_request_that_the_app_accepts(cluster: str) -> None:
    """PreserveOrGenerate: the client's X-Request-ID is kept, else Envoy generates a UUID, which
    the app must take as it is (realworld/logs.py ACCEPTED_REQUEST_ID) to log and echo it."""
    policy = _targeting_gateway(_objects(cluster), "ClientTrafficPolicy")
    assert policy["spec"]["headers"]["requestID"] == "PreserveOrGenerate"
    logs = (fluxlib.REPO_ROOT / "realworld/logs.py").read_text()
    pattern = re.search(r'ACCEPTED_REQUEST_ID = re\.compile\(r"(.+)"\)', logs)
    assert pattern, "ACCEPTED_REQUEST_ID not found in realworld/logs.py"
    assert re.fullmatch(pattern.group(1), "1b4e28ba-2fa1-11d2-883f-0016d3cca427")


@pytest.mark.parametrize("cluster", fluxlib.CLUSTERS)
def test_the_client_address_reaches_the_app_through_one_trusted_hop(cluster: str) -> None:
    """Envoy sees the client itself (the NLB keeps the source address, linkerd's inbound proxy
    is skipped: test_consistency) and appends it to X-Forwarded-For; nothing else on the way
    appends (linkerd's proxies do not), so the app trusts exactly one hop."""
    objects = _objects(cluster)
    policy = _targeting_gateway(objects, "ClientTrafficPolicy")
    detection = policy["spec"].get("clientIPDetection") or {}
    # Trusting hops or a header at the edge would let a client pick its own address.
    assert not detection, f"the edge must use the connection's address: {detection}"
    assert "proxyProtocol" not in policy["spec"] and "enableProxyProtocol" not in policy["spec"]
    m = model.build(cluster)
    (service,) = [
        o
        for o in m.objects
        if o.get("kind") == "Service" and o["spec"].get("type") in ("LoadBalancer", "NodePort")
    ]
    if cluster == "takehome":
        assert service["spec"]["externalTrafficPolicy"] == "Local"
    assert _app_setting("TRUSTED_PROXY_COUNT") == "1"
    assert _app_setting("DJANGO_TRUST_X_FORWARDED_PROTO") == "true"


@pytest.mark.parametrize("cluster", fluxlib.CLUSTERS)
def test_tls_by_cert_manager_and_http_redirected(cluster: str) -> None:
    """cert-manager's Gateway support needs the issuer annotation and, per HTTPS listener, a
    host name, mode Terminate and a Secret in the Gateway's namespace; plain HTTP gets a 301 to
    https on the same host; ACME challenges attach to the HTTP listener."""
    objects = _objects(cluster)
    (gateway,) = fluxlib.of_kind(objects, "Gateway")
    assert gateway["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
    listeners = {listener["name"]: listener for listener in gateway["spec"]["listeners"]}
    https, http = listeners["https"], listeners["http"]
    assert (https["protocol"], https["port"], http["protocol"], http["port"]) == (
        "HTTPS",
        443,
        "HTTP",
        80,
    )
    assert https["hostname"] == http["hostname"]
    assert https["tls"]["mode"] == "Terminate"
    (secret,) = https["tls"]["certificateRefs"]
    assert secret.get("kind", "Secret") == "Secret" and "namespace" not in secret
    routes = {
        (ref.get("sectionName"), r["metadata"]["name"]): r
        for r in fluxlib.of_kind(objects, "HTTPRoute")
        for ref in r["spec"].get("parentRefs", [])
        if ref.get("kind", "Gateway") == "Gateway"
    }
    sections = {section for section, _ in routes}
    assert sections == {"http", "https"}, sections
    for (section, _), route in routes.items():
        for rule in route["spec"]["rules"]:
            redirects = [f for f in rule.get("filters", []) if f["type"] == "RequestRedirect"]
            if section == "http":
                assert [f["requestRedirect"] for f in redirects] == [
                    {"scheme": "https", "statusCode": 301}
                ]
                assert "backendRefs" not in rule
            else:
                assert not redirects and rule["backendRefs"]
    for issuer in fluxlib.of_kind(objects, "ClusterIssuer"):
        for solver in (issuer["spec"].get("acme") or {}).get("solvers", []):
            (parent,) = solver["http01"]["gatewayHTTPRoute"]["parentRefs"]
            assert (parent["name"], parent["namespace"], parent["sectionName"]) == (
                gateway["metadata"]["name"],
                fluxlib.namespace_of(gateway),
                "http",
            )


def test_timeouts_and_keep_alive_bound_every_request() -> None:
    """The whole request must arrive within a bound (a slow client is cut off at the edge) and
    the app's answer too; idle kept-alive connections are closed."""
    objects = _objects("takehome")
    client = _targeting_gateway(objects, "ClientTrafficPolicy")["spec"]["timeout"]["http"]
    backend = _targeting_gateway(objects, "BackendTrafficPolicy")["spec"]["timeout"]["http"]
    seconds = {k: int(v.rstrip("s")) for k, v in {**client, **backend}.items()}
    assert 0 < seconds["requestReceivedTimeout"] <= 60
    assert 0 < seconds["requestTimeout"] <= 60
    assert 0 < seconds["idleTimeout"] <= 120


@pytest.mark.parametrize("cluster", fluxlib.CLUSTERS)
def test_the_data_plane_is_meshed_sized_and_protected(cluster: str) -> None:
    m = model.build(cluster)
    (deployment,) = [
        o
        for o in m.objects
        if o.get("kind") == "Deployment" and o["metadata"]["name"] == "envoy-edge"
    ]
    pod = m.pod(fluxlib.namespace_of(deployment) or "", "envoy-edge")
    assert pod.meshed
    envoy = next(c for c in pod.spec["containers"] if c["name"] == "envoy")
    assert envoy["resources"]["requests"]["cpu"] and envoy["resources"]["limits"]["memory"]
    proxy = m.find("EnvoyProxy", "edge", "envoy-gateway-system")
    kube = proxy["spec"]["provider"]["kubernetes"]
    if cluster == "takehome":
        assert kube["envoyDeployment"]["replicas"] >= 2
        assert kube["envoyPDB"]["minAvailable"] == kube["envoyDeployment"]["replicas"] - 1
    # xDS from the controller stays outside the mesh (Envoy Gateway's own mutual TLS).
    assert "18000" in pod.annotations["config.linkerd.io/skip-outbound-ports"].split(",")


@pytest.mark.parametrize("cluster", fluxlib.CLUSTERS)
def test_only_the_standard_channel_is_installed(cluster: str) -> None:
    """The Gateway API CRDs come from gateway-api-crds (standard channel, pinned release); no
    chart installs a copy of its own (Envoy Gateway's bundles the experimental channel, linkerd's
    an older one), so nothing fights over them or trips the CRDs' safe-upgrades policy."""
    m = model.build(cluster)
    from_charts = [
        (release, o["metadata"]["name"])
        for release, o in m.chart_objects
        if o["kind"] == "CustomResourceDefinition"
        and o["spec"]["group"] in ("gateway.networking.k8s.io", "gateway.networking.x-k8s.io")
    ]
    assert not from_charts, from_charts
    installed = [
        o
        for o in fluxlib.all_objects(cluster)
        if o["kind"] == "CustomResourceDefinition"
        and o["spec"]["group"] == "gateway.networking.k8s.io"
    ]
    assert {o["spec"]["names"]["kind"] for o in installed} >= {
        "Gateway",
        "HTTPRoute",
        "GatewayClass",
    }
    for crd in installed:
        annotations = crd["metadata"]["annotations"]
        assert annotations["gateway.networking.k8s.io/channel"] == "standard", crd["metadata"][
            "name"
        ]
    # Envoy Gateway's chart renders none of its CRDs either: they come from envoy-gateway-crds.
    release = m.find("HelmRelease", "envoy-gateway", "envoy-gateway-system")
    assert release["spec"]["values"]["crds"]["enabled"] is False
    assert charts.chart_of(release, m.objects) == ("gateway-helm", "v1.9.0")


def test_no_trace_of_the_retired_controller() -> None:
    """The retired NGINX ingress controller is gone from every tracked file."""
    result = subprocess.run(
        ["git", "grep", "-n", "-i", "-I", RETIRED],
        cwd=fluxlib.REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    assert result.stdout == "", result.stdout
