"""Every kustomization renders, and every Flux Kustomization's build survives substitution."""

from __future__ import annotations

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


def test_every_kustomization_is_reachable_from_the_cluster() -> None:
    """No orphan folder: each kustomization is a Flux Kustomization path (of either cluster) or
    a base of one."""
    reachable: set[Path] = set()
    for ks in (k for cluster in fluxlib.CLUSTERS for k in fluxlib.flux_kustomizations(cluster)):
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
