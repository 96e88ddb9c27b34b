"""The flow matrix (flows.py) over the model of each cluster and variant: every connection the
platform needs goes through, every one it must refuse does not. And the evaluator itself can
fail: take a rule away and the flow it carried is refused."""

from __future__ import annotations

import copy

import flows
import fluxlib
import model
import pytest


def _cases() -> list[tuple[str, dict[str, str], str]]:
    cases = []
    for cluster, overrides in flows.VARIANTS:
        m = model.build(cluster, overrides)
        cases += [(cluster, overrides, f.name) for f in flows.flows(m)]
    return cases


CASES = _cases()


def _id(case: tuple[str, dict[str, str], str]) -> str:
    cluster, overrides, name = case
    extra = ",".join(f"{k}={v}" for k, v in sorted(overrides.items()))
    return f"{cluster}{'[' + extra + ']' if extra else ''}: {name}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_flow(case: tuple[str, dict[str, str], str]) -> None:
    cluster, overrides, name = case
    m = model.build(cluster, overrides)
    (flow,) = [f for f in flows.flows(m) if f.name == name]
    verdict = flows.evaluate(m, flow)
    assert verdict.ok, "\n".join(flows.matrix_lines(m, [verdict]))


def test_every_variant_has_the_flows_the_platform_depends_on() -> None:
    """The list itself: losing a flow from it must not pass silently."""
    for cluster, overrides in flows.VARIANTS:
        m = model.build(cluster, overrides)
        names = {f.name for f in flows.flows(m)}
        for needed in (
            "edge -> realworld (HTTPRoute realworld-public)",
            "edge -> its controller (xDS)",
            "edge -> realworld-canary (HTTPRoute)",
            "Prometheus -> realworld:metrics",
            "Prometheus -> realworld-primary:linkerd-admin",
            "Flagger -> Prometheus (metricsServer)",
            "Grafana -> data source Prometheus",
            "realworld-loadtest -> LOCUST_HOST",
            "realworld-primary -> database",
            "realworld-loadtest -> database",
            "flagger-loadtester -> database",
            "realworld-primary -> Sentry (HTTPS)",
            "internet -> realworld-primary:metrics",
        ):
            assert needed in names, f"{m.label}: {needed}"
        assert any(n.startswith("acceptance-test (flagger-loadtester) -> ") for n in names)
        assert any(n.startswith("realworld-primary proxy -> linkerd-dst") for n in names)
        solver = overrides.get("INGRESS_CLUSTER_ISSUER", "").startswith("letsencrypt")
        assert solver == any("HTTP-01 solver" in n for n in names), m.label


def _without(m: model.ClusterModel, kind: str, name: str) -> model.ClusterModel:
    broken = copy.deepcopy(m)
    broken.objects = [
        o for o in broken.objects if not (o.get("kind") == kind and o["metadata"]["name"] == name)
    ]
    return broken


def _verdict(m: model.ClusterModel, name: str) -> flows.Verdict:
    (flow,) = [f for f in flows.flows(m) if f.name == name]
    return flows.evaluate(m, flow)


def test_a_missing_rule_refuses_the_flow_it_carried() -> None:
    m = model.build("takehome")
    assert _verdict(m, "Prometheus -> realworld:metrics").ok
    assert not _verdict(
        _without(m, "NetworkPolicy", "realworld-api"), "Prometheus -> realworld:metrics"
    ).ok
    # Without the metrics Server, any meshed peer the policies admit on 4143 reaches it.
    assert _verdict(m, "envoy-edge -> realworld-primary:metrics").ok
    assert not _verdict(
        _without(m, "Server", "realworld-metrics"), "envoy-edge -> realworld-primary:metrics"
    ).ok
    # Without its AuthorizationPolicy, the Server refuses Prometheus too (accessPolicy deny).
    assert not _verdict(
        _without(m, "AuthorizationPolicy", "realworld-metrics-prometheus"),
        "Prometheus -> realworld:metrics",
    ).ok
    # Flagger's own AuthorizationPolicy (rendered by its chart) is what lets it query.
    assert not _verdict(
        _without(m, "AuthorizationPolicy", "prometheus-admin-flagger"),
        "Flagger -> Prometheus (metricsServer)",
    ).ok
    assert not _verdict(
        _without(m, "NetworkPolicy", "flagger-loadtester-egress"), "flagger-loadtester -> database"
    ).ok


def test_the_blocker_of_release_1_is_what_the_model_finds() -> None:
    """The NetworkPolicy once admitted the scrape only from pods labelled
    app.kubernetes.io/name=prometheus, a label linkerd-viz puts on its Deployment and not on the
    pods: the model, built from the rendered chart, refuses that scrape."""
    m = model.build("kind")
    broken = copy.deepcopy(m)
    policy = fluxlib.find(broken.objects, "NetworkPolicy", "realworld-api", "realworld")
    for rule in policy["spec"]["ingress"]:
        for peer in rule["from"]:
            if (
                peer.get("namespaceSelector", {})
                .get("matchLabels", {})
                .get("kubernetes.io/metadata.name")
                == "linkerd-viz"
            ):
                peer["podSelector"] = {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}
    verdict = _verdict(broken, "Prometheus -> realworld:metrics")
    assert not verdict.ok and verdict.hops[0].wire_port == m.mesh.inbound_port
    assert "DENIED" in verdict.hops[0].ingress


def test_meshed_clients_arrive_on_the_proxy_port_and_others_on_the_real_one() -> None:
    """transport-header (the rendered destination controller's mode): meshed to meshed on the
    server proxy's inbound port; unmeshed clients, the admin port and skipped ports as they are."""
    m = model.build("takehome")
    assert m.mesh.transport_header and m.mesh.inbound_port == int(
        next(p["containerPort"] for p in m.mesh.proxy["ports"] if p["name"] == "linkerd-proxy")
    )
    by_name = {f.name: f for f in flows.flows(m)}
    meshed = flows.evaluate(m, by_name["realworld-loadtest -> LOCUST_HOST"])
    assert {h.wire_port for h in meshed.hops} == {m.mesh.inbound_port}
    unmeshed = flows.evaluate(m, by_name["stranger (default) -> realworld Service"])
    assert {h.wire_port for h in unmeshed.hops} == {8000}
    admin = flows.evaluate(m, by_name["Prometheus -> realworld-primary:linkerd-admin"])
    assert admin.hops[0].wire_port in m.mesh.meta_ports
    database = flows.evaluate(m, by_name["realworld-primary -> database"])
    assert database.hops[0].wire_port == int(m.variables["DB_PORT"]), "skip-outbound-ports"


def test_flux_check_prints_the_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert flows.main() == 0
    out = capsys.readouterr().out
    for cluster, overrides in flows.VARIANTS:
        assert f"--- {model.build(cluster, overrides).label}: " in out
    assert out.rstrip().endswith("flow-matrix: OK")
