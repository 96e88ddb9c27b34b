"""Schema validation: core kinds with kubernetes-validate (strict), custom resources with the
openAPIV3Schema of the CRDs in shared/crds, and an allow-list for everything else."""

from __future__ import annotations

from typing import Any

import fluxlib
import jsonschema
import kubernetes_validate
import pytest

from conftest import STATS

# API groups the cluster serves natively; kubernetes-validate has their schemas.
CORE_GROUPS = {
    "",
    "apps",
    "autoscaling",
    "batch",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "coordination.k8s.io",
}

# The versions the issue prescribes (the betas are no longer served).
REQUIRED_API_VERSIONS = {
    "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
    "GitRepository": "source.toolkit.fluxcd.io/v1",
    "HelmRepository": "source.toolkit.fluxcd.io/v1",
    "OCIRepository": "source.toolkit.fluxcd.io/v1",
    "HelmRelease": "helm.toolkit.fluxcd.io/v2",
    "ImageRepository": "image.toolkit.fluxcd.io/v1",
    "ImagePolicy": "image.toolkit.fluxcd.io/v1",
    "ImageUpdateAutomation": "image.toolkit.fluxcd.io/v1",
    "Canary": "flagger.app/v1beta1",
    "NodePool": "karpenter.sh/v1",
    "EC2NodeClass": "karpenter.k8s.aws/v1",
    "ExternalSecret": "external-secrets.io/v1",
    "ClusterSecretStore": "external-secrets.io/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2",
    "PodDisruptionBudget": "policy/v1",
}


def _documents() -> list[tuple[str, dict[str, Any]]]:
    """(where, object) for what each cluster's Flux applies; `where` is `<cluster>/<layer>`."""
    docs = []
    for cluster in fluxlib.CLUSTERS:
        docs += [(f"{cluster}/clusters", d) for d in fluxlib.cluster_objects(cluster)]
        docs += [(f"{cluster}/{d.kustomization}", d.obj) for d in fluxlib.built_documents(cluster)]
    return docs


DOCUMENTS = _documents()


def _id(item: tuple[str, dict[str, Any]]) -> str:
    source, doc = item
    meta = doc["metadata"]
    return f"{source}:{doc['kind']}/{meta.get('namespace', '-')}/{meta['name']}"


@pytest.mark.parametrize("item", DOCUMENTS, ids=[_id(d) for d in DOCUMENTS])
def test_document_validates(item: tuple[str, dict[str, Any]]) -> None:
    _, doc = item
    group = fluxlib.group_of(doc["apiVersion"])
    version = doc["apiVersion"].split("/")[-1]
    kind = doc["kind"]
    if group in CORE_GROUPS:
        try:
            kubernetes_validate.validate(doc, fluxlib.K8S_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError as err:
            pytest.fail(err.message)
        except kubernetes_validate.ValidationError as err:
            pytest.fail(f"{'.'.join(str(p) for p in err.path)}: {err.message}")
        STATS["validated"]["core"] += 1
        return
    if (group, version, kind) in fluxlib.KINDS_WITHOUT_CRD:
        assert isinstance(doc.get("spec"), dict) and doc["metadata"].get("name"), doc
        STATS["validated"]["no-crd"] += 1
        STATS["no_crd_kinds"].add((group, version, kind))
        return
    schema = fluxlib.crd_schema(group, version, kind)
    known_groups = {g for g, _, _ in fluxlib.crd_schemas()}
    assert schema is not None, (
        f"{doc['apiVersion']} {kind}: "
        + (
            "no served CRD version"
            if group in known_groups
            else "API group outside the CRD allow-list"
        )
        + f" in {fluxlib.crds_dir()}"
    )
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors)
    STATS["validated"]["crd"] += 1
    STATS["cel_rules_not_evaluated"] += fluxlib.count_cel_rules(
        fluxlib.crd_schemas()[(group, version, kind)]
    )


@pytest.mark.parametrize(
    "generated",
    [
        (cluster, o)
        for cluster in fluxlib.CLUSTERS
        for o in fluxlib.flagger_generated(fluxlib.all_objects(cluster))
        if o["kind"] == "HTTPRoute"
    ],
    ids=lambda item: f"{item[0]}:HTTPRoute/{item[1]['metadata']['name']}",
)
def test_the_httproute_flagger_writes_validates(generated: tuple[str, dict[str, Any]]) -> None:
    """Flagger builds the route from the Canary's service and gatewayRefs at run time, where a
    bad reference only shows as an error event: validate it here against the Gateway API CRD
    (shared/crds/gateway-api), the version linkerd-crds installs and Flagger's provider writes."""
    _, generated = generated
    group, version = generated["apiVersion"].split("/")
    schema = fluxlib.crd_schema(group, version, generated["kind"])
    assert schema is not None, (
        f"no served {generated['apiVersion']} HTTPRoute in {fluxlib.crds_dir()}"
    )
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(generated))
    assert not errors, "\n".join(f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors)
    STATS["validated"]["crd"] += 1


def test_current_api_versions() -> None:
    for _, doc in DOCUMENTS:
        required = REQUIRED_API_VERSIONS.get(doc["kind"])
        if required and fluxlib.group_of(doc["apiVersion"]) == fluxlib.group_of(required):
            assert doc["apiVersion"] == required, f"{_id(('', doc))}: use {required}"


def test_strict_crd_validation_rejects_unknown_fields() -> None:
    """The CRD conversion really is strict (guards the checker itself)."""
    schema = fluxlib.crd_schema("flagger.app", "v1beta1", "Canary")
    assert schema is not None
    bad = {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "x"},
        "spec": {
            "targetRef": {"kind": "Deployment", "name": "x"},
            "service": {"port": 80},
            "analysis": {"intervall": "1m"},
        },
    }
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))


def test_unknown_api_group_is_rejected() -> None:
    assert fluxlib.crd_schema("example.com", "v1", "Widget") is None
