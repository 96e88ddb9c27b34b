"""Selectors and named references (references.py): every selector in this repository's objects
and in what Flagger derives from them finds a pod the charts really render, every named port
exists on that pod, every MetricTemplate matcher is satisfied by the series Prometheus keeps."""

from __future__ import annotations

import copy

import flows
import fluxlib
import model
import pytest
import references


def _problems(cluster: str) -> dict[str, str]:
    """Problems present in every variant of the cluster (see references.py)."""
    found: dict[str, str] | None = None
    for name, overrides in flows.VARIANTS:
        if name != cluster:
            continue
        problems = references.check(model.build(name, overrides))
        found = problems if found is None else {k: v for k, v in found.items() if k in problems}
    assert found is not None
    return found


@pytest.mark.parametrize("cluster", fluxlib.CLUSTERS)
def test_every_selector_finds_its_pods(cluster: str) -> None:
    problems = _problems(cluster)
    assert not problems, "\n".join(sorted(problems.values()))


def test_a_peer_typed_from_the_deployment_labels_is_reported() -> None:
    """The checker fails on the label linkerd-viz puts on its Deployment, not on its pods."""
    m = copy.deepcopy(model.build("takehome"))
    policy = fluxlib.find(m.objects, "NetworkPolicy", "realworld-api", "realworld")
    ours = fluxlib.find(m.ours, "NetworkPolicy", "realworld-api", "realworld")
    for obj in (policy, ours):
        obj["spec"]["ingress"][-1]["from"][0]["podSelector"] = {
            "matchLabels": {"app.kubernetes.io/name": "prometheus"}
        }
    problems = references.check(m)
    assert any("matches no pod" in p for p in problems.values()), problems


def test_a_metric_template_on_a_label_the_scrape_does_not_set_is_reported() -> None:
    m = copy.deepcopy(model.build("kind"))
    template = fluxlib.find(m.objects, "MetricTemplate", "realworld-client-error-rate", "realworld")
    template["spec"]["query"] = template["spec"]["query"].replace("deployment=", "workload=")
    problems = references.check(m)
    assert any("workload" in p for p in problems.values()), problems


def test_metric_templates_read_the_series_of_the_canary_not_the_primary() -> None:
    """The canary's pods and the primary's are told apart by the `deployment` label both scrape
    jobs give them (the realworld job from app.kubernetes.io/name, which Flagger rewrites for
    the primary; linkerd's from the injector's linkerd.io/proxy-deployment)."""
    import scrapes

    m = model.build("takehome")
    for name in ("realworld", "realworld-primary"):
        jobs = {
            job: labels["deployment"]
            for job, _, labels in scrapes.series_labels(m, m.pod("realworld", name))
        }
        assert jobs == {"realworld": name, "linkerd-proxy": name}, jobs
