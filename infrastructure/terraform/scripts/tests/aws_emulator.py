"""The AWS API the user-path test runs the scripts and the Terraform stacks against: moto in
server mode (getmoto/moto, pinned in requirements/tools.txt), which emulates S3, STS, EC2/VPC,
IAM, KMS, RDS, Secrets Manager, CloudWatch Logs, SQS, EventBridge, ELB and the core of EKS
(clusters, node groups), plus the EKS calls moto 5.2 leaves out, kept here in memory:

  - add-ons (Create/Describe/List/Update/DeleteAddon, DescribeUpdate for an add-on);
  - access entries and their access policies;
  - Pod Identity associations;
  - what moto's DescribeCluster and DescribeNodegroup drop from the request (accessConfig,
    upgradePolicy, updateConfig, nodeRepairConfig, ...) or add to it (a remoteAccess SSH key),
    and the cluster security group EKS creates in the cluster's VPC (and deletes with it);
  - one EC2 answer: moto returns a launch template's own tags (CreateLaunchTemplate's
    TagSpecifications) as if they were part of its data, which no plan could ever match.

Those answer as EKS documents them (REST-JSON, ResourceNotFoundException as a 404), always
ACTIVE at once: they stand in for AWS, not for a cluster. Nothing here runs Kubernetes.

Usage: python aws_emulator.py PORT  (binds 127.0.0.1 only; stops on SIGTERM)
"""

from __future__ import annotations

import io
import json
import re
import sys
import threading
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

from moto.ec2.models import ec2_backends
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

ACCOUNT = "123456789012"
_CREDENTIAL = re.compile(r"Credential=[^/]+/[^/]+/(?P<region>[^/]+)/(?P<service>[^/]+)/")
_LOCK = threading.Lock()


def _now() -> float:
    return datetime.now(UTC).timestamp()


class EksGaps:
    """WSGI middleware in front of moto for the EKS calls it lacks."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.addons: dict[tuple[str, str], dict[str, Any]] = {}
        self.entries: dict[tuple[str, str], dict[str, Any]] = {}
        self.policies: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.associations: dict[str, dict[str, Any]] = {}
        self.updates: dict[str, dict[str, Any]] = {}
        self.cluster_requests: dict[str, dict[str, Any]] = {}
        self.nodegroup_requests: dict[tuple[str, str], dict[str, Any]] = {}
        self.cluster_groups: dict[str, str] = {}

    # ---------------------------------------------------------------- plumbing

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if match and match.group("service") == "ec2":
            return self.ec2(environ, start_response)
        if not match or match.group("service") != "eks":
            return self.app(environ, start_response)
        region = match.group("region")
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        # The raw path keeps %2F inside a segment (an access entry's principal ARN has "/").
        raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or path).split("?", 1)[0]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        body = json.loads(raw) if raw else {}
        with _LOCK:
            handled = self.route(region, method, raw_path, body)
        if handled is not None:
            status, payload = handled
            return self.respond(start_response, status, payload)
        # moto's own EKS: replay the body, then complete what its cluster answers lack.
        environ["wsgi.input"] = io.BytesIO(raw)
        cluster = re.fullmatch(r"/clusters/([^/]+)", path)
        nodegroup = re.fullmatch(r"/clusters/([^/]+)/node-groups(?:/([^/]+))?", path)
        if method == "POST" and path == "/clusters":
            self.cluster_requests[body["name"]] = body
        if method == "POST" and nodegroup and not nodegroup.group(2):
            self.nodegroup_requests[(nodegroup.group(1), body["nodegroupName"])] = body
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = b"".join(self.app(environ, capture))
        status = captured["status"]
        if status.startswith("200") and (cluster or (method == "POST" and path == "/clusters")):
            payload = json.loads(chunks)
            if "cluster" in payload:
                name = payload["cluster"]["name"]
                if method == "POST":
                    self.create_cluster_group(region, name, body)
                if method == "DELETE":
                    self.delete_cluster_group(region, name)
                self.complete_cluster(payload["cluster"])
                chunks = json.dumps(payload).encode()
        if status.startswith("200") and nodegroup:
            payload = json.loads(chunks)
            if "nodegroup" in payload:
                self.complete_nodegroup(payload["nodegroup"])
                chunks = json.dumps(payload).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(chunks))))
        start_response(status, headers)
        return [chunks]

    def ec2(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        if b"Action=DescribeLaunchTemplateVersions" not in raw:
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = b"".join(self.app(environ, capture))
        if captured["status"].startswith("200"):
            root = ElementTree.fromstring(chunks)  # noqa: S314 (moto's own answer, on loopback)
            namespace = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
            ElementTree.register_namespace("", namespace.strip("{}"))
            for specs in root.iter(f"{namespace}tagSpecificationSet"):
                for item in list(specs):
                    if item.findtext(f"{namespace}resourceType") == "launch-template":
                        specs.remove(item)
            chunks = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(chunks))))
        start_response(captured["status"], headers)
        return [chunks]

    @staticmethod
    def respond(start_response: Any, status: int, payload: dict[str, Any]) -> list[bytes]:
        data = json.dumps(payload, default=str).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}[status]
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        if status != 200:
            error = payload.pop("__type")
            headers.append(("x-amzn-ErrorType", error))
            data = json.dumps(payload).encode()
            headers[-2] = ("Content-Length", str(len(data)))
        start_response(f"{status} {reason}", headers)
        return [data]

    @staticmethod
    def missing(what: str) -> tuple[int, dict[str, Any]]:
        return 404, {"__type": "ResourceNotFoundException", "message": f"No {what} found"}

    # ---------------------------------------------------------------- clusters

    def complete_cluster(self, cluster: dict[str, Any]) -> None:
        request = self.cluster_requests.get(cluster["name"], {})
        for key in (
            "accessConfig",
            "upgradePolicy",
            "zonalShiftConfig",
            "computeConfig",
            "storageConfig",
            "bootstrapSelfManagedAddons",
        ):
            if key in request and key not in cluster:
                value = request[key]
                if key == "accessConfig":
                    value = {
                        "authenticationMode": value.get("authenticationMode", "API_AND_CONFIG_MAP"),
                        "bootstrapClusterCreatorAdminPermissions": value.get(
                            "bootstrapClusterCreatorAdminPermissions", True
                        ),
                    }
                cluster[key] = value
        group = self.cluster_groups.get(cluster["name"])
        if group:
            cluster.setdefault("resourcesVpcConfig", {})["clusterSecurityGroupId"] = group

    def complete_nodegroup(self, nodegroup: dict[str, Any]) -> None:
        """moto answers an SSH key (remoteAccess) nobody asked for, which would force the
        node group's replacement at every plan."""
        request = self.nodegroup_requests.get(
            (nodegroup["clusterName"], nodegroup["nodegroupName"]), {}
        )
        if "remoteAccess" not in request:
            nodegroup.pop("remoteAccess", None)
        for key in ("updateConfig", "nodeRepairConfig"):
            if key in request and key not in nodegroup:
                nodegroup[key] = request[key]

    def create_cluster_group(self, region: str, name: str, request: dict[str, Any]) -> None:
        ec2 = ec2_backends[ACCOUNT][region]
        subnet = ec2.get_subnet(request["resourcesVpcConfig"]["subnetIds"][0])
        group = ec2.create_security_group(
            name=f"eks-cluster-sg-{name}",
            description="EKS created security group applied to ENI that is attached to EKS "
            "Control Plane master nodes",
            vpc_id=subnet.vpc_id,
            tags={"aws:eks:cluster-name": name, f"kubernetes.io/cluster/{name}": "owned"},
        )
        self.cluster_groups[name] = group.id

    def delete_cluster_group(self, region: str, name: str) -> None:
        group = self.cluster_groups.pop(name, None)
        if group:
            ec2_backends[ACCOUNT][region].delete_security_group(group_id=group)
        for key in [k for k in self.addons if k[0] == name]:
            del self.addons[key]
        for key in [k for k in self.entries if k[0] == name]:
            del self.entries[key]
            self.policies.pop(key, None)
        for key in [k for k, v in self.associations.items() if v["clusterName"] == name]:
            del self.associations[key]

    # ---------------------------------------------------------------- routes

    def route(
        self, region: str, method: str, path: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]] | None:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if len(parts) < 3 or parts[0] != "clusters":
            return None
        cluster, kind, rest = parts[1], parts[2], parts[3:]
        arn = f"arn:aws:eks:{region}:{ACCOUNT}"
        if kind == "addons":
            return self.addon(arn, cluster, method, rest, body)
        if kind == "updates" and rest and rest[0] in self.updates:
            return 200, {"update": self.updates[rest[0]]}
        if kind == "access-entries":
            return self.access_entry(arn, cluster, method, rest, body)
        if kind == "pod-identity-associations":
            return self.association(arn, cluster, method, rest, body)
        return None

    def addon(
        self, arn: str, cluster: str, method: str, rest: list[str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if not rest:
            if method == "GET":
                return 200, {"addons": sorted(n for c, n in self.addons if c == cluster)}
            name = body["addonName"]
            if (cluster, name) in self.addons:
                return 409, {
                    "__type": "ResourceInUseException",
                    "message": f"Addon already exists: {name}",
                }
            addon = {
                "addonName": name,
                "clusterName": cluster,
                "status": "ACTIVE",
                "addonVersion": body.get("addonVersion") or "v1.0.0-eksbuild.1",
                "health": {"issues": []},
                "addonArn": f"{arn}:addon/{cluster}/{name}/{uuid.uuid4()}",
                "createdAt": _now(),
                "modifiedAt": _now(),
                "tags": body.get("tags") or {},
                "podIdentityAssociations": [],
            }
            for key in ("configurationValues", "serviceAccountRoleArn"):
                if body.get(key):
                    addon[key] = body[key]
            self.addons[(cluster, name)] = addon
            return 200, {"addon": addon}
        addon = self.addons.get((cluster, rest[0]))
        if addon is None:
            return self.missing(f"addon: {rest[0]}")
        if method == "GET":
            return 200, {"addon": addon}
        if method == "DELETE":
            del self.addons[(cluster, rest[0])]
            return 200, {"addon": {**addon, "status": "DELETING"}}
        # POST .../update
        for key in ("addonVersion", "configurationValues", "serviceAccountRoleArn"):
            if key in body:
                addon[key] = body[key]
        addon["modifiedAt"] = _now()
        update = {
            "id": str(uuid.uuid4()),
            "status": "Successful",
            "type": "AddonUpdate",
            "params": [],
            "createdAt": _now(),
            "errors": [],
        }
        self.updates[update["id"]] = update
        return 200, {"update": update}

    def access_entry(
        self, arn: str, cluster: str, method: str, rest: list[str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if not rest:
            if method == "GET":
                return 200, {"accessEntries": sorted(p for c, p in self.entries if c == cluster)}
            principal = body["principalArn"]
            entry = {
                "clusterName": cluster,
                "principalArn": principal,
                "kubernetesGroups": body.get("kubernetesGroups") or [],
                "accessEntryArn": f"{arn}:access-entry/{cluster}/{uuid.uuid4()}",
                "createdAt": _now(),
                "modifiedAt": _now(),
                "tags": body.get("tags") or {},
                "username": body.get("username") or principal,
                "type": body.get("type") or "STANDARD",
            }
            self.entries[(cluster, principal)] = entry
            return 200, {"accessEntry": entry}
        principal = rest[0]
        entry = self.entries.get((cluster, principal))
        if entry is None:
            return self.missing(f"access entry for {principal}")
        policies = self.policies.setdefault((cluster, principal), {})
        if len(rest) >= 2 and rest[1] == "access-policies":
            if method == "GET":
                return 200, {
                    "clusterName": cluster,
                    "principalArn": principal,
                    "associatedAccessPolicies": list(policies.values()),
                }
            if method == "DELETE":
                policies.pop("/".join(rest[2:]), None)
                return 200, {}
            association = {
                "policyArn": body["policyArn"],
                "accessScope": body.get("accessScope") or {"type": "cluster", "namespaces": []},
                "associatedAt": _now(),
                "modifiedAt": _now(),
            }
            policies[body["policyArn"]] = association
            return 200, {
                "clusterName": cluster,
                "principalArn": principal,
                "associatedAccessPolicy": association,
            }
        if method == "GET":
            return 200, {"accessEntry": entry}
        if method == "DELETE":
            del self.entries[(cluster, principal)]
            self.policies.pop((cluster, principal), None)
            return 200, {}
        for key in ("kubernetesGroups", "username"):
            if key in body:
                entry[key] = body[key]
        return 200, {"accessEntry": entry}

    def association(
        self, arn: str, cluster: str, method: str, rest: list[str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if not rest:
            if method == "GET":
                return 200, {
                    "associations": [
                        {
                            k: v
                            for k, v in a.items()
                            if k
                            in (
                                "clusterName",
                                "namespace",
                                "serviceAccount",
                                "associationArn",
                                "associationId",
                            )
                        }
                        for a in self.associations.values()
                        if a["clusterName"] == cluster
                    ]
                }
            identifier = f"a-{uuid.uuid4().hex[:17]}"
            association = {
                "clusterName": cluster,
                "namespace": body["namespace"],
                "serviceAccount": body["serviceAccount"],
                "roleArn": body["roleArn"],
                "associationArn": f"{arn}:podidentityassociation/{cluster}/{identifier}",
                "associationId": identifier,
                "tags": body.get("tags") or {},
                "createdAt": _now(),
                "modifiedAt": _now(),
                "disableSessionTags": bool(body.get("disableSessionTags", False)),
            }
            self.associations[identifier] = association
            return 200, {"association": association}
        association = self.associations.get(rest[0])
        if association is None or association["clusterName"] != cluster:
            return self.missing(f"pod identity association {rest[0]}")
        if method == "GET":
            return 200, {"association": association}
        if method == "DELETE":
            del self.associations[rest[0]]
            return 200, {"association": association}
        for key in ("roleArn", "disableSessionTags"):
            if key in body:
                association[key] = body[key]
        return 200, {"association": association}


def main(port: int) -> None:
    app = EksGaps(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"aws-emulator: moto + EKS gaps on http://127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]))
