import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    """The official RealWorld spec folder; `make test` always sets REALWORLD_SPEC_DIR."""
    configured = os.environ.get("REALWORLD_SPEC_DIR")
    if not configured or not (Path(configured) / "openapi.yml").is_file():
        pytest.fail(
            "REALWORLD_SPEC_DIR must point at the RealWorld spec (../shared/realworld-spec); "
            "`make test` sets it or downloads the spec at its pinned commit",
            pytrace=False,
        )
    return Path(configured)
