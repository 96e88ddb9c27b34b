"""The cluster model is built from the real charts: each HelmRelease renders from shared/charts at
its pinned version with Helm 4, and the pods carry what the charts and linkerd's injector give
them (see model.py); nothing about a chart's pods is typed into these tests."""

from __future__ import annotations

import charts
import fluxlib
import model
import pytest


def test_helm_is_helm_4() -> None:
    assert charts.helm_version().startswith("v4.")


@pytest.mark.parametrize("cluster", fluxlib.CLUSTERS)
def test_every_helm_release_renders_from_its_pinned_chart(cluster: str) -> None:
    objects = fluxlib.all_objects(cluster)
    releases = fluxlib.of_kind(objects, "HelmRelease")
    assert releases
    rendered = {name for name, _ in charts.rendered_charts(cluster)}
    for release in releases:
        name, version = charts.chart_of(release, objects)
        source = charts.chart_source(name, version)
        assert source.is_dir()
        assert release["metadata"]["name"] in rendered, f"{name} {version} rendered nothing"


def test_a_chart_version_not_in_shared_charts_fails_loudly() -> None:
    with pytest.raises(charts.ChartError, match="is not in"):
        charts.chart_source("linkerd-viz", "2026.1.1")


def test_values_from_compose_like_helm_controller() -> None:
    """valuesFrom first (in order), spec.values on top; a runtime Secret from a Certificate is
    a throwaway PEM (linkerd's trust anchor)."""
    objects = fluxlib.all_objects("takehome")
    release = fluxlib.find(objects, "HelmRelease", "linkerd-control-plane", "linkerd")
    values = charts.release_values(release, objects)
    assert values["identityTrustAnchorsPEM"].startswith("-----BEGIN CERTIFICATE-----")
    assert values["identity"]["issuer"]["scheme"] == "kubernetes.io/tls"


@pytest.mark.parametrize("cluster", fluxlib.CLUSTERS)
def test_pods_are_meshed_as_linkerd_would_inject_them(cluster: str) -> None:
    m = model.build(cluster)
    meshed = {p.ref: p.meshed for p in m.pods}
    for ref in (
        "realworld/realworld",
        "realworld/realworld-primary",
        "realworld/realworld-loadtest",
        "flagger-system/flagger",
        "flagger-system/flagger-loadtester",
        "grafana/grafana",
        "linkerd-viz/prometheus",
        "envoy-gateway-system/envoy-edge",
        "linkerd/linkerd-destination",
    ):
        assert meshed[ref], f"{ref} is not meshed"
    for ref in (
        "cert-manager/cert-manager",
        "kube-system/coredns",
        "kube-system/metrics-server",
        # Envoy Gateway's controller: only the Envoy pods it runs are meshed (EnvoyProxy).
        "envoy-gateway-system/envoy-gateway",
    ):
        assert not meshed[ref], f"{ref} is meshed"
    if cluster == "kind":
        assert not meshed["realworld/postgres"], "the database is outside the mesh"
    app = m.pod("realworld", "realworld-primary")
    assert app.labels["linkerd.io/proxy-deployment"] == "realworld-primary"
    assert app.labels["linkerd.io/control-plane-ns"] == m.mesh.namespace


def test_the_acme_solver_exists_only_with_an_acme_issuer() -> None:
    names = {p.name for p in model.build("takehome").pods}
    assert not any(n.startswith("cm-acme-http-solver") for n in names)
    solver = [
        p
        for p in model.build("takehome", {"INGRESS_CLUSTER_ISSUER": "letsencrypt-staging"}).pods
        if p.origin == "cert-manager (run time)"
    ]
    assert [p.namespace for p in solver] == ["realworld"]
    assert not solver[0].meshed, "the issuer's podTemplate keeps it out of the mesh"
