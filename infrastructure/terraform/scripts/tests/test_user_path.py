"""The path a user walks, run for real: terraform-apply.sh, again (idempotent), a SENTRY_DSN
switched alone, terraform-destroy.sh failing half-way with the Kubernetes API out of reach, the
re-run, destroy again, apply again over what the last cluster left behind, and finally
--include-bootstrap.

What is real and what is not:
  - real: the two scripts, Terraform with the pinned hashicorp/aws provider and every stack
    (bootstrap, network, cluster, database), the AWS CLI, and the AWS API they talk to:
    moto in server mode with the EKS calls moto lacks added in memory (aws_emulator.py says
    exactly which);
  - stubbed, because they need a live cluster or the internet: kubectl, flux, and curl to
    ghcr.io. The stubs and an `aws` wrapper write every call to a journal, so the test can
    see the order of what the scripts did;
  - a file of the emulator's only (moto_override.tf): moto reads the state bucket's TLS-only
    policy as denying every request, so the bootstrap stack gets a harmless policy there.

About 15 minutes here: most of it is the provider's own waiting (KMS, SQS, RDS).
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from test_apply_preflight import rds_certificate

REPO_ROOT = Path(__file__).resolve().parents[4]
EMULATOR = Path(__file__).with_name("aws_emulator.py")
NAME = "takehome"
REGION = "eu-west-1"
BUCKET = f"{NAME}-tfstate-123456789012-{REGION}"

STUBS = {
    # The cluster's API answers (or not: KUBE_UNREACHABLE) and has nothing in it; the edge
    # Service's load balancer is `localhost`, which resolves here.
    "kubectl": """#!/bin/sh
echo "kubectl $*" >> "$JOURNAL"
case "$*" in
  *"get --raw=/readyz"*) [ -n "$KUBE_UNREACHABLE" ] && exit 1; exit 0 ;;
  *"get crd"*) exit 1 ;;
  *"get services"*) echo '{"items": []}' ;;
  *"get service envoy-edge"*) printf localhost ;;
  *"get configmap cluster-vars"*) printf enabled ;;
esac
exit 0
""",
    "flux": """#!/bin/sh
echo "flux $*" >> "$JOURNAL"
[ "$1" = version ] && echo '{"flux": "v2.7.2"}'
exit 0
""",
    # ghcr.io: the committed tags are published and public.
    "curl": """#!/bin/sh
for arg in "$@"; do
  case $arg in
    https://ghcr.io/token*) echo '{"token": "anonymous"}'; exit 0 ;;
    https://ghcr.io/v2/*) printf 200; exit 0 ;;
  esac
done
exec /usr/bin/curl "$@"
""",
    # Every AWS CLI call, in order (argv only: a secret on a command line would show here).
    "aws": """#!/bin/sh
echo "aws $*" >> "$JOURNAL"
exec "$REAL_AWS" "$@"
""",
    # Real Terraform; FAIL_DESTROY_OF=<stack> makes that stack's destroy fail (a failure
    # half-way through a teardown).
    "terraform": """#!/bin/sh
if [ -n "$FAIL_DESTROY_OF" ]; then
  case "$*" in
    *"-chdir="*"/$FAIL_DESTROY_OF "*"destroy"*)
      echo "terraform $*: failing on purpose (FAIL_DESTROY_OF=$FAIL_DESTROY_OF)" >&2; exit 1 ;;
  esac
fi
exec "$REAL_TERRAFORM" "$@"
""",
}

EMULATOR_POLICY = """# The emulator's only: moto reads the TLS-only policy as denying every request.
data "aws_iam_policy_document" "state" {
  statement {
    sid       = "EmulatorOnly"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${local.bucket_name}/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:root"]
    }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _plugin_dir() -> str:
    for candidate in (os.environ.get("TF_PLUGIN_DIR", ""), "/opt/tf-plugins"):
        if candidate and (Path(candidate) / "registry.terraform.io/hashicorp/aws").is_dir():
            return candidate
    raise RuntimeError("no local mirror of the hashicorp/aws provider (set TF_PLUGIN_DIR)")


class World:
    """A copy of the repository's scripts and stacks, run against the emulator."""

    def __init__(self, root: Path, endpoint: str) -> None:
        self.root = root
        self.repo = root / "repo"
        self.journal = root / "journal.log"
        self.endpoint = endpoint
        ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", "__pycache__", ".pytest_cache")
        shutil.copytree(
            REPO_ROOT / "infrastructure/terraform",
            self.repo / "infrastructure/terraform",
            ignore=ignore,
        )
        kustomization = Path("infrastructure/flux/apps/realworld/kustomization.yaml")
        (self.repo / kustomization).parent.mkdir(parents=True)
        shutil.copy(REPO_ROOT / kustomization, self.repo / kustomization)
        for path in ("terraform-apply.sh", "terraform-destroy.sh"):
            shutil.copy(REPO_ROOT / path, self.repo / path)
        (self.repo / "infrastructure/terraform/bootstrap/moto_override.tf").write_text(
            EMULATOR_POLICY
        )
        bin_dir = root / "bin"
        bin_dir.mkdir()
        for name, body in STUBS.items():
            stub = bin_dir / name
            stub.write_text(body)
            stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
        (root / "home").mkdir()
        tfrc = root / "terraform.rc"
        mirror = f'  filesystem_mirror {{\n    path = "{_plugin_dir()}"\n  }}\n'
        tfrc.write_text(f"provider_installation {{\n{mirror}}}\n")
        self.env = {
            "PATH": f"{bin_dir}:{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(root / "home"),
            "JOURNAL": str(self.journal),
            "REAL_AWS": str(Path(sys.executable).parent / "aws"),
            "REAL_TERRAFORM": shutil.which("terraform") or "terraform",
            "TF_CLI_CONFIG_FILE": str(tfrc),
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
            "GITHUB_OWNER": "example-owner",
            "GITHUB_REPOSITORY": "realworld",
            "GITHUB_TOKEN": "x",
            "RDS_CA_BUNDLE_FILE": str(rds_certificate(root / "rds.pem")),
            "NLB_TIMEOUT": "60",
            "DRAIN_TIMEOUT": "60",
        }
        self.aws = boto3.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
        )

    def client(self, service: str) -> Any:
        return self.aws.client(service, endpoint_url=self.endpoint)

    def run(
        self, script: str, *args: str, **env: str
    ) -> tuple[subprocess.CompletedProcess[str], list[str]]:
        self.journal.write_text("")
        started = time.monotonic()
        result = subprocess.run(
            ["bash", str(self.repo / script), "--yes", *args],
            cwd=self.repo,
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=1500,
            check=False,
        )
        took = time.monotonic() - started
        print(f"user-path: {script} {' '.join(args)} -> exit {result.returncode} in {took:.0f}s")
        return result, self.journal.read_text().splitlines()

    def db_snapshots(self) -> list[str]:
        """The final snapshots terraform-destroy.sh takes (not the automated backups)."""
        rds = self.client("rds")
        names = [s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]]
        return [n for n in names if n.startswith(f"{NAME}-final-")]

    def db_instances(self) -> list[str]:
        return [
            d["DBInstanceIdentifier"]
            for d in self.client("rds").describe_db_instances()["DBInstances"]
        ]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("user-path")
    port = _free_port()
    emulator = subprocess.Popen(
        [sys.executable, str(EMULATOR), str(port)],
        env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"},
        stdout=(root / "emulator.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2)  # noqa: S310 (loopback http)
            break
        except OSError:
            if emulator.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the AWS emulator did not start: {(root / 'emulator.log').read_text()}"
                ) from None
            time.sleep(0.5)
    (root / "repo").mkdir()
    try:
        yield World(root, endpoint)
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)


def test_from_a_laptop_to_a_second_teardown_and_back(world: World) -> None:
    # 1. The first deployment, Flux included (stubbed): the CloudWatch add-on only after Flux
    #    has brought the capacity its operator needs.
    result, journal = world.run("terraform-apply.sh", "--in-vpc")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    bootstrap = next(
        i for i, line in enumerate(journal) if line.startswith("flux bootstrap github")
    )
    addon = [i for i, line in enumerate(journal) if "amazon-cloudwatch-observability" in line]
    eks = world.client("eks")
    assert eks.list_addons(clusterName=NAME)["addons"] == sorted(
        [
            "vpc-cni",
            "kube-proxy",
            "eks-pod-identity-agent",
            "coredns",
            "amazon-cloudwatch-observability",
        ]
    )
    assert "cluster again: the CloudWatch add-on" in result.stdout
    assert result.stdout.index("cluster again: the CloudWatch add-on") > result.stdout.index(
        "flux bootstrap github"
    )
    assert not addon or addon[0] > bootstrap
    assert world.client("iam").list_roles(PathPrefix="/aws-service-role/spot.amazonaws.com/")[
        "Roles"
    ]

    # 2. Again: nothing to do but what moto cannot read back (the database stack's parameter
    #    group parameters and a rule's description); nothing is ever destroyed or replaced.
    result, journal = world.run("terraform-apply.sh", "--in-vpc")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    for stack in ("bootstrap", "network", "cluster"):
        assert f"{stack}: no changes" in result.stdout, stack
    assert "to destroy" not in result.stdout.replace("0 to destroy", "")
    assert "must be replaced" not in result.stdout
    assert "cluster again: the CloudWatch add-on" not in result.stdout, (
        "the add-on is kept, not re-planned"
    )

    # 3. Error tracking switched on alone, its DSN never on a command line.
    dsn = "https://0123456789abcdef@o1.ingest.sentry.io/42"
    result, journal = world.run("terraform-apply.sh", "--notifications-only", SENTRY_DSN=dsn)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert any(line == "flux reconcile kustomization error-tracking" for line in journal), journal
    assert not any("reconcile kustomization notifications" in line for line in journal)
    assert not any(dsn in line for line in journal), "the DSN was on a command line"
    secrets = world.client("secretsmanager")
    assert dsn in secrets.get_secret_value(SecretId=f"{NAME}/sentry-dsn")["SecretString"]

    # 4. Teardown, with the Kubernetes API out of reach (the laptop's address changed) and a
    #    Karpenter node still running; it fails half-way, at the cluster stack.
    ec2 = world.client("ec2")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [
            {"Key": f"kubernetes.io/cluster/{NAME}", "Value": "owned"},
            {"Key": "karpenter.sh/nodepool", "Value": "default"},
        ]}],
    )  # fmt: skip
    result, journal = world.run(
        "terraform-destroy.sh", KUBE_UNREACHABLE="1", FAIL_DESTROY_OF="cluster"
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert "failing on purpose" in result.stderr, result.stderr[-3000:]
    scaled = next(
        i for i, line in enumerate(journal) if line.startswith("aws eks update-nodegroup-config")
    )
    terminated = next(
        i for i, line in enumerate(journal) if line.startswith("aws ec2 terminate-instances")
    )
    assert scaled < terminated, "Karpenter must be stopped before its nodes are terminated"
    nodegroup = eks.describe_nodegroup(clusterName=NAME, nodegroupName="system")["nodegroup"]
    assert nodegroup["scalingConfig"]["desiredSize"] == 0
    assert world.db_instances() == []
    assert len(world.db_snapshots()) == 1
    deleted = secrets.describe_secret(SecretId=f"{NAME}/sentry-dsn").get("DeletedDate")
    assert deleted is not None, "the secrets go with the database stack, which is gone"

    # 5. The re-run finishes the job, and never brings the database back to snapshot it.
    result, journal = world.run("terraform-destroy.sh", KUBE_UNREACHABLE="1")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert world.db_instances() == []
    assert len(world.db_snapshots()) == 1, world.db_snapshots()
    assert not [line for line in journal if "create-db-instance" in line]
    assert eks.list_clusters()["clusters"] == []
    assert (
        world.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Project", "Values": [NAME]}])[
            "Vpcs"
        ]
        == []
    )

    # 6. Destroy again: every stack is already empty; nothing fails, nothing is created.
    result, journal = world.run("terraform-destroy.sh")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for stack in ("database", "cluster", "network"):
        assert f"{stack}: no state, skipped" in result.stdout, stack

    # 7. Apply again after the teardown, over log groups EKS and Fluent Bit wrote while the
    #    last cluster shut down.
    logs = world.client("logs")
    for group in (f"/aws/eks/{NAME}/cluster", f"/aws/containerinsights/{NAME}/application"):
        logs.create_log_group(logGroupName=group)
    result, journal = world.run("terraform-apply.sh", "--in-vpc", "--skip-flux")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert f"deleting log group /aws/eks/{NAME}/cluster" in result.stdout
    groups = logs.describe_log_groups(logGroupNamePrefix=f"/aws/eks/{NAME}/")["logGroups"]
    assert [g.get("kmsKeyId") is not None and g.get("retentionInDays") for g in groups] == [365]

    # 8. Everything, the state bucket last.
    result, journal = world.run(
        "terraform-destroy.sh", "--skip-final-snapshot", "--include-bootstrap"
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert BUCKET not in [b["Name"] for b in world.client("s3").list_buckets()["Buckets"]]
    assert world.db_instances() == []
