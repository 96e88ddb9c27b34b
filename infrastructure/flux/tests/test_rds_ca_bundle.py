"""infrastructure/terraform/scripts/rds-ca-bundle.sh: the deploy-time check that stands between
a bad download (placeholder, HTML error page, a foreign CA) and an app that can never verify
RDS. Certificates are made here with openssl; the real bundle is only fetched at deploy time."""

from __future__ import annotations

import subprocess
from pathlib import Path

import fluxlib
import pytest

SCRIPT = fluxlib.REPO_ROOT / "infrastructure" / "terraform" / "scripts" / "rds-ca-bundle.sh"


def certificate(tmp_path: Path, subject: str) -> str:
    out = tmp_path / f"{abs(hash(subject))}.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(out), "-subj", subject],
        check=True, capture_output=True,
    )  # fmt: skip
    return out.read_text()


RDS = "/C=US/O=Amazon Web Services, Inc./OU=Amazon RDS/CN=Amazon RDS eu-west-1 Root CA RSA2048 G1"
RDS_OTHER = (
    "/C=US/O=Amazon Web Services, Inc./OU=Amazon RDS/CN=Amazon RDS us-east-1 Root CA ECC384 G1"
)


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=60,
        check=False,
    )


def test_a_bundle_of_rds_cas_passes_and_is_counted(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(certificate(tmp_path, RDS) + certificate(tmp_path, RDS_OTHER))
    result = run("verify", str(bundle))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"


@pytest.mark.parametrize(
    "content",
    [
        "# Replace this file with the Amazon RDS bundle\n",  # the old committed placeholder
        "<html><body>Access denied</body></html>\n",  # an error page saved by curl
        "",
    ],
    ids=["placeholder", "html", "empty"],
)
def test_no_certificate_is_refused(tmp_path: Path, content: str) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(content)
    result = run("verify", str(bundle))
    assert result.returncode == 1
    assert result.stderr.strip()


def test_a_foreign_or_broken_certificate_is_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.pem"
    foreign.write_text(certificate(tmp_path, RDS) + certificate(tmp_path, "/CN=Some Other CA"))
    result = run("verify", str(foreign))
    assert result.returncode == 1 and "not issued by an Amazon RDS CA" in result.stderr
    broken = tmp_path / "broken.pem"
    broken.write_text(
        certificate(tmp_path, RDS)
        + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    result = run("verify", str(broken))
    assert result.returncode == 1 and "parses as X.509" in result.stderr


def test_fetch_fails_clearly_when_the_download_fails(tmp_path: Path) -> None:
    result = run("fetch", str(tmp_path / "out.pem"), RDS_CA_BUNDLE_URL="http://127.0.0.1:9/x")
    assert result.returncode == 1
    assert "RDS_CA_BUNDLE_FILE" in result.stderr


def test_fetch_takes_a_local_copy_and_verifies_it(tmp_path: Path) -> None:
    copy = tmp_path / "copy.pem"
    copy.write_text(certificate(tmp_path, RDS))
    out = tmp_path / "out.pem"
    result = run("fetch", str(out), RDS_CA_BUNDLE_FILE=str(copy))
    assert result.returncode == 0 and result.stdout.strip() == "1", result.stderr
    assert out.read_text() == copy.read_text()
    copy.write_text("placeholder\n")
    assert run("fetch", str(out), RDS_CA_BUNDLE_FILE=str(copy)).returncode == 1
