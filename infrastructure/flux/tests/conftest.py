"""Shared fixtures, and the figures flux-check.sh prints at the end."""

from __future__ import annotations

from collections import Counter
from typing import Any

import fluxlib
import pytest

# Filled by the tests, printed by pytest_terminal_summary.
STATS: dict[str, Any] = {
    "validated": Counter(),  # "core" / "crd" / "no-crd" -> documents
    "no_crd_kinds": set(),
    "cel_rules_not_evaluated": 0,
    "warnings": [],
}


def pytest_sessionstart(session: pytest.Session) -> None:
    # Fail loudly (not skip) when the CRDs are missing: every custom resource check needs them.
    crds = fluxlib.crds_dir()
    if not crds.is_dir():
        raise pytest.UsageError(
            f"CRD directory {crds} is missing. It is shared/crds next to the repository; "
            "set SHARED_DIR=/path/to/shared to point elsewhere."
        )


@pytest.fixture(scope="session")
def objects() -> list[dict[str, Any]]:
    """Every object Flux applies (cluster Kustomizations + their builds, substituted)."""
    return fluxlib.all_objects()


@pytest.fixture(scope="session")
def with_flagger(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects plus what Flagger generates from the Canaries."""
    return objects + fluxlib.flagger_generated(objects)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    validated = STATS["validated"]
    if not validated:
        return
    write = terminalreporter.write_line
    write("")
    write(
        "flux-check: documents validated: "
        f"{validated['core']} core (kubernetes-validate {fluxlib.K8S_VERSION}, strict), "
        f"{validated['crd']} custom resources (CRD openAPIV3Schema from {fluxlib.crds_dir()}), "
        f"{validated['no-crd']} without a provided CRD"
    )
    for group, version, kind in sorted(STATS["no_crd_kinds"]):
        write(f"flux-check: no CRD provided, structure checked only: {group}/{version} {kind}")
    if STATS["cel_rules_not_evaluated"]:
        write(
            f"flux-check: {STATS['cel_rules_not_evaluated']} CEL rules (x-kubernetes-validations) not evaluated offline"
        )
    for warning in STATS["warnings"]:
        write(f"flux-check: WARNING: {warning}")
