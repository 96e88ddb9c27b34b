"""terraform-apply.sh's preflight refuses the known dead ends before any Terraform runs: a
first deployment that could never become ready costs ~25 minutes of apply and a stuck canary.

aws, terraform, kubectl, flux and curl are stubs on PATH (no AWS, no network); the stub
terraform records its calls and fails, so "Terraform was reached" means "preflight passed"."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[4]
SCRIPT = REPO_ROOT / "terraform-apply.sh"

STUBS = {
    "aws": """#!/bin/sh
case "$1 $2" in
  "sts get-caller-identity")
    echo '{"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/t"}' ;;
  "configure get") [ -n "$STUB_PROFILE_REGION" ] && echo "$STUB_PROFILE_REGION" || exit 1 ;;
  *) exit 1 ;;
esac
""",
    "terraform": """#!/bin/sh
echo "terraform $*" >> "$STUB_LOG"
exit 1
""",
    "kubectl": "#!/bin/sh\nexit 0\n",
    "flux": """#!/bin/sh
[ "$1" = version ] && echo "{\\"flux\\": \\"v${STUB_FLUX_VERSION:-2.7.2}\\"}"
exit 0
""",
    # ghcr.io: a token for anyone, then the manifest status the test chose.
    "curl": """#!/bin/sh
for arg in "$@"; do
  case $arg in
    https://checkip.amazonaws.com*) echo 203.0.113.7; exit 0 ;;
    https://ghcr.io/token*) echo '{"token": "anonymous"}'; exit 0 ;;
    https://ghcr.io/v2/*)
      echo "curl $arg" >> "$STUB_LOG"; printf '%s' "$STUB_GHCR_STATUS"; exit 0 ;;
  esac
done
exit 7
""",
}


RDS_SUBJECT = (
    "/O=Amazon Web Services, Inc./OU=Amazon RDS/CN=Amazon RDS eu-west-1 Root CA RSA2048 G1"
)


def rds_certificate(path: Path) -> Path:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(path.with_suffix(".key")), "-out", str(path), "-subj", RDS_SUBJECT],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


@pytest.fixture
def run(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in STUBS.items():
        stub = bin_dir / name
        stub.write_text(body)
        stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "calls.log"
    log.touch()
    bundle = rds_certificate(tmp_path / "rds.pem")

    def run(*args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], str]:
        environment = {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "STUB_LOG": str(log),
            "STUB_GHCR_STATUS": "200",
            "GITHUB_OWNER": "Example-Owner",
            "GITHUB_REPOSITORY": "realworld",
            "GITHUB_TOKEN": "x",
            "RDS_CA_BUNDLE_FILE": str(bundle),
            "TF_STATE_BUCKET": "state-bucket",
            **env,
        }
        result = subprocess.run(
            ["bash", str(SCRIPT), "--yes", *args],
            cwd=REPO_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return result, log.read_text()

    return run


def reached_terraform(calls: str) -> bool:
    return any(line.startswith("terraform ") for line in calls.splitlines())


def assert_refused_before_terraform(outcome: tuple, *reasons: str) -> None:
    result, calls = outcome
    assert result.returncode == 1
    for reason in reasons:
        assert reason in result.stderr
    assert not reached_terraform(calls)


def test_a_complete_setup_passes_preflight(run) -> None:
    result, calls = run("--my-ip")
    assert reached_terraform(calls), result.stderr
    assert "public Kubernetes API endpoint limited to" in result.stdout
    # Both images checked at the committed tag, under the lower-cased owner.
    assert "ghcr.io/v2/example-owner/realworld/manifests/" in calls
    assert "ghcr.io/v2/example-owner/realworld-loadtest/manifests/" in calls


def test_a_private_endpoint_without_an_access_path_is_refused(run) -> None:
    assert_refused_before_terraform(run(), "--my-ip", "--in-vpc")
    result, calls = run("--in-vpc")
    assert reached_terraform(calls), result.stderr
    result, calls = run(EKS_PUBLIC_ACCESS_CIDRS="198.51.100.0/24")
    assert reached_terraform(calls), result.stderr


def test_an_unpublished_image_tag_is_refused(run) -> None:
    assert_refused_before_terraform(
        run("--my-ip", STUB_GHCR_STATUS="404"), "does not exist yet", "Release workflow"
    )


def test_a_private_package_is_refused(run) -> None:
    assert_refused_before_terraform(
        run("--my-ip", STUB_GHCR_STATUS="401"), "make the package public"
    )


def test_a_placeholder_rds_bundle_is_refused(run, tmp_path: Path) -> None:
    placeholder = tmp_path / "placeholder.pem"
    placeholder.write_text("# Replace this file with the Amazon RDS CA bundle\n")
    assert_refused_before_terraform(
        run("--my-ip", RDS_CA_BUNDLE_FILE=str(placeholder)), "Amazon RDS CA bundle"
    )


def test_an_unknown_notifications_provider_is_refused(run) -> None:
    assert_refused_before_terraform(
        run("--my-ip", NOTIFICATIONS_PROVIDER="teams"), "slack, msteams, discord or rocket"
    )


def test_a_flux_cli_older_than_2_7_is_refused(run) -> None:
    assert_refused_before_terraform(run("--my-ip", STUB_FLUX_VERSION="2.6.4"), "Flux >= 2.7")


def test_plan_mode_skips_the_deploy_time_checks(run) -> None:
    """--plan changes nothing and bootstraps nothing: no registry or endpoint checks."""
    result, calls = run("--plan", STUB_GHCR_STATUS="404")
    assert reached_terraform(calls), result.stderr
    assert "ghcr.io" not in calls
    assert os.path.exists(SCRIPT)


def test_the_region_follows_the_aws_profile_when_no_variable_names_one(run) -> None:
    """AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region (aws configure get region),
    then eu-west-1: a user whose profile says ap-southeast-2 must not get eu-west-1."""
    result, _ = run("--my-ip", STUB_PROFILE_REGION="ap-southeast-2")
    assert "region ap-southeast-2," in result.stdout, result.stdout + result.stderr
    result, _ = run("--my-ip", STUB_PROFILE_REGION="ap-southeast-2", AWS_DEFAULT_REGION="us-east-2")
    assert "region us-east-2," in result.stdout
    result, _ = run("--my-ip")
    assert "region eu-west-1," in result.stdout
