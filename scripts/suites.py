"""The official RealWorld suites, run against gunicorn on PostgreSQL by `make test`.

The suites are third-party files, never copied into this repository: they are read from
REALWORLD_SPEC_DIR (CI points it at ../shared/realworld-spec) or downloaded once, at the
pinned commits below, into .data/. Their layout is the one of ../shared/realworld-spec:

    openapi.yml                         the API spec (2.0.0)
    api-tests/bruno/<folder>/*.bru      the official API suite (Bruno collection)
    Conduit.postman_collection.json     the legacy Postman suite
"""

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
NODE_BIN = REPO_ROOT / "node_modules" / ".bin"

# realworld-apps/realworld, the upstream of spec 2.0.0 and its Bruno collection.
SPEC_COMMIT = "5d510ce6ec41bb97723e92fbd8d3e3458a381c09"
SPEC_TARBALL_URL = f"https://codeload.github.com/realworld-apps/realworld/tar.gz/{SPEC_COMMIT}"
# gothinkster/realworld, the last home of the legacy Postman suite.
POSTMAN_URL = (
    "https://raw.githubusercontent.com/gothinkster/realworld/"
    "747190ecf0bb27d461cf1100f6cb3468c6c914ed/api/Conduit.postman_collection.json"
)
# Where each file of our layout lives in the upstream tarball (under its top folder).
TARBALL_LAYOUT = {
    "specs/api/openapi.yml": "openapi.yml",
    "specs/api/bruno/": "api-tests/bruno/",
}
REQUIRED = ("openapi.yml", "api-tests/bruno/collection.bru", "Conduit.postman_collection.json")
DOWNLOAD_DIR = REPO_ROOT / ".data" / f"realworld-spec-{SPEC_COMMIT[:12]}"


class SuiteUnavailable(Exception):
    """The suites are neither at REALWORLD_SPEC_DIR nor downloadable."""


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in REQUIRED)


def _download() -> None:
    staging = DOWNLOAD_DIR.with_suffix(".partial")
    shutil.rmtree(staging, ignore_errors=True)
    with urllib.request.urlopen(SPEC_TARBALL_URL, timeout=60) as response:  # nosec B310
        payload = io.BytesIO(response.read())
    with tarfile.open(fileobj=payload, mode="r:gz") as archive:
        _extract(archive, staging)
    with urllib.request.urlopen(POSTMAN_URL, timeout=60) as response:  # nosec B310
        (staging / "Conduit.postman_collection.json").write_bytes(response.read())
    if not _complete(staging):
        raise SuiteUnavailable(f"the download from {SPEC_TARBALL_URL} lacks {REQUIRED}")
    staging.rename(DOWNLOAD_DIR)


def _extract(archive: tarfile.TarFile, staging: Path) -> None:
    """Copies the files of TARBALL_LAYOUT out of the archive (by content: no paths trusted)."""
    for member in archive.getmembers():
        inner = member.name.partition("/")[2]  # drop the top folder realworld-<commit>/
        for source, target in TARBALL_LAYOUT.items():
            if member.isfile() and (inner == source or inner.startswith(source)):
                destination = staging / (target + inner[len(source) :])
                destination.parent.mkdir(parents=True, exist_ok=True)
                extracted = archive.extractfile(member)
                assert extracted is not None
                destination.write_bytes(extracted.read())


def spec_dir() -> Path:
    """The folder holding the suites: REALWORLD_SPEC_DIR, else a download at the pinned commits."""
    configured = os.environ.get("REALWORLD_SPEC_DIR")
    if configured:
        folder = Path(configured).resolve()
        if not _complete(folder):
            missing = [name for name in REQUIRED if not (folder / name).is_file()]
            raise SuiteUnavailable(f"REALWORLD_SPEC_DIR={configured} lacks {', '.join(missing)}")
        return folder
    if not _complete(DOWNLOAD_DIR):
        try:
            _download()
        except (OSError, tarfile.TarError) as error:
            raise SuiteUnavailable(
                f"the RealWorld suites could not be downloaded ({error}); set "
                "REALWORLD_SPEC_DIR to a local copy "
                "(e.g. REALWORLD_SPEC_DIR=../shared/realworld-spec)"
            ) from None
    return DOWNLOAD_DIR


def _node_tool(name: str) -> str:
    tool = NODE_BIN / name
    if not tool.is_file():
        sys.exit(f"{tool} is missing: run `npm ci` (make test does it)")
    return str(tool)


def run_bruno(spec: Path, api_root: str, report_dir: Path) -> None:
    """Every folder of the official Bruno collection; fails unless every request passes."""
    collection = spec / "api-tests" / "bruno"
    folders = sorted(
        p.name for p in collection.iterdir() if p.is_dir() and p.name != "environments"
    )
    report_dir.mkdir(parents=True, exist_ok=True)
    totals = {"requests": 0, "passed": 0}
    failures: list[str] = []
    for folder in folders:
        report = report_dir / f"bruno-{folder}.json"
        command = [
            _node_tool("bru"), "run", folder, "--env", "local", "--env-var", f"host={api_root}",
            "--sandbox", "safe", "--reporter-json", str(report),
        ]  # fmt: skip
        result = subprocess.run(  # noqa: S603
            command, cwd=collection, capture_output=True, text=True, check=False
        )
        summary = json.loads(report.read_text())[0]["summary"] if report.is_file() else {}
        total, passed = summary.get("totalRequests", 0), summary.get("passedRequests", 0)
        totals["requests"] += total
        totals["passed"] += passed
        print(f"  bruno {folder:<22} {passed:>3}/{total:<3} requests passed", flush=True)
        if result.returncode != 0 or total == 0 or passed != total:
            failures.append(folder)
            print(result.stdout[-4000:], result.stderr[-2000:], sep="\n")
    print(
        f"Bruno: {totals['passed']}/{totals['requests']} requests passed in {len(folders)} folders"
    )
    if failures:
        sys.exit(f"the official Bruno suite failed in: {', '.join(failures)}")


def run_postman(spec: Path, api_root: str) -> None:
    """The legacy Postman suite with newman (older clients still rely on it)."""
    stamp = f"{int(time.time() * 1000)}"
    command = [
        _node_tool("newman"), "run", str(spec / "Conduit.postman_collection.json"), "--bail",
        "--global-var", f"APIURL={api_root}/api",
        "--global-var", f"USERNAME=u{stamp}",
        "--global-var", f"EMAIL=u{stamp}@mail.com",
        "--global-var", "PASSWORD=password",
    ]  # fmt: skip
    print("+ newman run Conduit.postman_collection.json", flush=True)
    subprocess.run(command, cwd=REPO_ROOT, check=True)  # noqa: S603


def chromium_path() -> str:
    """Debian's Chromium (or CHROMIUM_PATH): Playwright never downloads a browser here."""
    configured = os.environ.get("CHROMIUM_PATH")
    found = configured or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).is_file():
        sys.exit(
            "Chromium is required for the browser tests: install Debian's chromium "
            "(apt-get install -y chromium) or set CHROMIUM_PATH"
        )
    return found


def run_browser_tests(base_url: str) -> None:
    """The web app's end-to-end tests (tests/e2e) in headless Chromium."""
    env = dict(os.environ, E2E_BASE_URL=base_url, CHROMIUM_PATH=chromium_path())
    command = [_node_tool("playwright"), "test", "--config", "tests/e2e/playwright.config.ts"]
    print("+ playwright test (tests/e2e) against", base_url, flush=True)
    subprocess.run(command, cwd=REPO_ROOT, env=env, check=True)  # noqa: S603
