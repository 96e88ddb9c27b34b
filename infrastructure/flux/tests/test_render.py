"""Every kustomization renders, and every Flux Kustomization's build survives substitution."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import fluxlib
import pytest
import yaml


@pytest.mark.parametrize(
    "directory", fluxlib.kustomization_dirs(), ids=lambda p: str(p.relative_to(fluxlib.FLUX_DIR))
)
def test_kustomization_renders(directory: Path) -> None:
    docs = fluxlib.load_documents(fluxlib.render(directory))
    assert docs, f"{directory} renders no objects"
    for doc in docs:
        assert doc.get("apiVersion") and doc.get("kind") and doc["metadata"].get("name"), doc


def _bases(directory: Path) -> set[Path]:
    """The directory and every local directory its kustomization.yaml pulls in, recursively."""
    found = {directory.resolve()}
    config = yaml.safe_load((directory / "kustomization.yaml").read_text())
    for entry in config.get("resources", []):
        target = (directory / entry).resolve()
        if (target / "kustomization.yaml").is_file():
            found |= _bases(target)
    return found


def _generated_bases(directory: Path) -> set[Path]:
    """What kustomize-controller applies for a path without a kustomization.yaml: it generates
    one with every YAML file of the tree and, as a directory resource, every subfolder that has
    its own kustomization.yaml (fluxcd/pkg kustomize_generator.go, scanManifests). That is how
    the Kustomization `flux-system` that `flux bootstrap` commits (path: clusters/<cluster>)
    applies the `flux-system/` folder bootstrap writes next to our files."""
    if (directory / "kustomization.yaml").is_file():
        return _bases(directory)
    found = {directory.resolve()}
    for sub in sorted(p for p in directory.rglob("kustomization.yaml")):
        if not any(
            (parent / "kustomization.yaml").is_file()
            for parent in sub.parents[1:]
            if parent.is_relative_to(directory) and parent != directory
        ):
            found |= _bases(sub.parent)
    return found


def test_every_kustomization_is_reachable_from_the_cluster() -> None:
    """No orphan folder: each kustomization is a Flux Kustomization path (of either cluster) or
    a base of one, the cluster folders included (flux bootstrap's sync for takehome, the e2e
    workflow for kind apply them)."""
    reachable: set[Path] = set()
    for cluster in fluxlib.CLUSTERS:
        reachable |= _generated_bases(fluxlib.cluster_dir(cluster))
    for ks in (k for cluster in fluxlib.CLUSTERS for k in fluxlib.flux_kustomizations(cluster)):
        if ks["spec"]["sourceRef"]["name"] != "flux-system":
            continue  # an upstream repository's folder (fluxlib.EXTERNAL_SOURCES)
        # A path a cluster var selects reaches every folder the var can name.
        for path in fluxlib.switched_paths(ks):
            assert (path / "kustomization.yaml").is_file(), (
                f"{ks['metadata']['name']}: {path} has no kustomization.yaml"
            )
            reachable |= _bases(path)
    orphans = [d for d in fluxlib.kustomization_dirs() if d.resolve() not in reachable]
    assert not orphans, f"not applied by any Flux Kustomization: {orphans}"


def test_switched_paths_name_existing_folders() -> None:
    """A Flux Kustomization path chosen by a cluster var has a folder for each choice, and the
    default choice is one of them (a typo in the var would fail the Kustomization)."""
    switched = [ks for ks in fluxlib.flux_kustomizations() if len(fluxlib.switched_paths(ks)) > 1]
    assert switched, "expected the notifications switch"
    for ks in switched:
        default = fluxlib.REPO_ROOT / fluxlib.envsubst(fluxlib.raw_path(ks), {}).text
        assert default in fluxlib.switched_paths(ks), f"{ks['metadata']['name']}: {default}"


@pytest.mark.parametrize("cluster", fluxlib.CLUSTERS)
def test_substitution_uses_only_known_variables(cluster: str) -> None:
    """Flux >= 2.9 substitutes strictly: an unknown ${VAR} fails the whole Kustomization."""
    known = set(fluxlib.example_vars(cluster))
    problems = []
    for doc in fluxlib.built_documents(cluster):
        if doc.result is None:
            continue
        ks = next(
            k
            for k in fluxlib.flux_kustomizations(cluster)
            if k["metadata"]["name"] == doc.kustomization
        )
        allowed = known | set(fluxlib.inline_vars(ks))
        name = f"{doc.obj['kind']}/{doc.obj['metadata']['name']}"
        problems += [f"{name}: {e}" for e in doc.result.errors]
        problems += [f"{name}: ${{{v}}} is not in cluster-vars" for v in doc.result.used - allowed]
        problems += [f"{name}: ${{{v}}} has no value and no default" for v in doc.result.missing]
        if doc.result.escapes:
            problems.append(f"{name}: '$$' would be turned into '$' by Flux")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("cluster", fluxlib.CLUSTERS)
def test_documents_with_shell_disable_substitution(cluster: str) -> None:
    """Anything carrying a shell script must opt out of substitution explicitly."""
    for doc in fluxlib.built_documents(cluster):
        if "set -euo pipefail" in doc.raw or "$(" in doc.raw:
            assert doc.result is None, (
                f"{doc.obj['kind']}/{doc.obj['metadata']['name']} embeds shell: annotate it "
                f"{fluxlib.SUBSTITUTE_DISABLED}: disabled"
            )


def test_the_checks_pass_on_the_repository_as_flux_bootstrap_leaves_it(tmp_path: Path) -> None:
    """`flux bootstrap github --path infrastructure/flux/clusters/takehome` commits a
    `flux-system/` folder there (fluxcd/flux2 pkg/manifestgen: gotk-components.yaml, gotk-sync.yaml
    and a kustomization.yaml listing both). These checks must still pass on that repository: run
    them on a copy that has it."""
    repo = tmp_path / "repo"
    shutil.copytree(
        fluxlib.FLUX_DIR, repo / "infrastructure/flux", ignore=shutil.ignore_patterns("__pycache__")
    )
    variables = Path("infrastructure/terraform/cluster/variables.tf")
    (repo / variables).parent.mkdir(parents=True)
    shutil.copy(fluxlib.REPO_ROOT / variables, repo / variables)
    bootstrap = repo / "infrastructure/flux/clusters/takehome/flux-system"
    bootstrap.mkdir()
    # Stand-ins with the shape flux bootstrap writes (the real components file holds Flux's
    # CRDs and controllers).
    (bootstrap / "gotk-components.yaml").write_text(
        "# This manifest was generated by flux. DO NOT EDIT.\n---\napiVersion: v1\nkind: Namespace\n"
        "metadata:\n  name: flux-system\n"
    )
    (bootstrap / "gotk-sync.yaml").write_text(
        "# This manifest was generated by flux. DO NOT EDIT.\n---\n"
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n"
        "  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    branch: main\n"
        "  secretRef:\n    name: flux-system\n  url: ssh://git@github.com/example-owner/realworld\n"
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
        "  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n"
        "  path: ./infrastructure/flux/clusters/takehome\n  prune: true\n  sourceRef:\n"
        "    kind: GitRepository\n    name: flux-system\n"
    )
    (bootstrap / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        "- gotk-components.yaml\n- gotk-sync.yaml\n"
    )
    tests = repo / "infrastructure/flux/tests"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(tests / "pytest.ini"), "--rootdir", str(tests),
         "-q", "-p", "no:cacheprovider", str(tests / "test_render.py"), "-k", "not bootstrap_leaves"],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "SHARED_DIR": str(fluxlib.shared_dir())},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
