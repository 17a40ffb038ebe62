"""The Kubernetes manifests: migrations as Jobs, autoscaling, disruption budgets and resources, checked by parsing.

No cluster is needed: like the compose checks (test_compose.py), the files are only read, and the services are the
workspace's own, so a new service without its Job, budget or resources fails here.
"""

from pathlib import Path
from typing import Any

import pytest
import yaml

from lklr_shared.kit.settings import ServiceSettings
from lklr_shared.kit.topology import Topology
from tests.deploy.test_compose import DATABASE_SERVICES, K8S_DIR, WORKSPACE_SERVICES

pytestmark = pytest.mark.unit

KUSTOMIZATION = K8S_DIR / "kustomization.yaml"


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _listed_files() -> list[str]:
    return list(yaml.safe_load(KUSTOMIZATION.read_text())["resources"])


def _applied() -> list[dict[str, Any]]:
    """Every object `kubectl apply -k deploy/k8s` creates."""
    return [doc for name in _listed_files() for doc in _documents(K8S_DIR / name)]


def _of_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in _applied() if doc.get("kind") == kind]


def _named(kind: str, name: str) -> dict[str, Any]:
    found = [doc for doc in _of_kind(kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{len(found)} {kind} named {name!r}"
    return found[0]


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    return container


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}


def _secret_key(container: dict[str, Any], variable: str) -> tuple[str, str]:
    reference = _env(container)[variable]["valueFrom"]["secretKeyRef"]
    return reference["name"], reference["key"]


def _example_secret() -> dict[str, Any]:
    (secret,) = [doc for doc in _documents(K8S_DIR / "secret.example.yaml") if doc.get("kind") == "Secret"]
    return secret


def test_kustomization_lists_every_manifest() -> None:
    listed = _listed_files()
    on_disk = {path.name for path in K8S_DIR.glob("*.yaml")} - {KUSTOMIZATION.name}
    # The Secret is an example to fill in and apply by hand, never with the real manifests.
    assert sorted(listed) == sorted(name for name in on_disk if not name.endswith(".example.yaml"))
    assert len(listed) == len(set(listed))


def test_every_object_lives_in_the_lklr_namespace() -> None:
    for doc in _applied():
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "lklr", (doc["kind"], doc["metadata"]["name"])


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_every_container_has_cpu_and_memory_requests_and_limits(kind: str) -> None:
    workloads = _of_kind(kind)
    assert workloads
    for workload in workloads:
        for container in workload["spec"]["template"]["spec"]["containers"]:
            resources = container.get("resources", {})
            for section in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(section, {})), (workload["metadata"]["name"], section)


@pytest.mark.parametrize("name", DATABASE_SERVICES)
def test_each_service_is_migrated_by_its_own_job_in_its_own_image(name: str) -> None:
    deployment = _container(_named("Deployment", name))
    job = _named("Job", f"{name}-migrate")
    migrate = _container(job)
    assert migrate["image"] == deployment["image"]
    assert migrate.get("args") == ["migrate"]
    assert "command" not in migrate, "the image's entry point runs `python -m <service>`"
    variable = f"{name.upper()}_DATABASE_URL"
    assert _secret_key(migrate, variable) == _secret_key(deployment, variable)
    assert job["spec"]["template"]["spec"]["restartPolicy"] in {"Never", "OnFailure"}
    assert job["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    # A Job is immutable: it must go away after it finished, or the next release's apply fails.
    assert job["spec"].get("ttlSecondsAfterFinished") is not None


@pytest.mark.parametrize("name", DATABASE_SERVICES)
def test_each_service_starts_with_auto_migrate_off_and_waits_for_the_job_within_its_startup_probe(name: str) -> None:
    container = _container(_named("Deployment", name))
    assert _env(container)[f"{name.upper()}_AUTO_MIGRATE"].get("value") == "false"
    # While it waits for the Job's schema the health server is not up; the startup probe must outlast the wait.
    probe = container["startupProbe"]
    assert probe["periodSeconds"] * probe["failureThreshold"] >= ServiceSettings().migration_wait_seconds


def test_the_gateway_owns_no_database_and_has_no_migrate_job() -> None:
    migrated = {doc["metadata"]["name"].removesuffix("-migrate") for doc in _of_kind("Job")}
    assert migrated == set(DATABASE_SERVICES)
    assert set(WORKSPACE_SERVICES) - set(DATABASE_SERVICES) == {"gateway"}


def test_the_audit_scales_with_keda_on_its_own_event_queue() -> None:
    scaled = _named("ScaledObject", "audit")
    spec = scaled["spec"]
    target = spec["scaleTargetRef"]
    assert target.get("kind", "Deployment") == "Deployment"
    audit = _named("Deployment", target["name"])
    assert audit["metadata"]["name"] == "audit"
    assert spec["minReplicaCount"] == 1
    assert spec["maxReplicaCount"] > spec["minReplicaCount"]
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "rabbitmq"
    assert trigger["metadata"]["mode"] == "QueueLength"
    assert int(trigger["metadata"]["value"]) > 0
    prefix = _env(_container(audit))["AUDIT_BROKER_PREFIX"]["value"]
    assert trigger["metadata"]["queueName"] == Topology(prefix=prefix).consumer_queue("audit")
    # KEDA connects as the audit's own broker user, from the Secret key the audit itself uses.
    authentication = _named("TriggerAuthentication", trigger["authenticationRef"]["name"])
    (host,) = [ref for ref in authentication["spec"]["secretTargetRef"] if ref["parameter"] == "host"]
    assert (host["name"], host["key"]) == _secret_key(_container(audit), "AUDIT_AMQP_URL")
    assert host["key"] in _example_secret()["stringData"]


def test_the_gateway_scales_on_cpu_with_a_horizontal_pod_autoscaler() -> None:
    (autoscaler,) = _of_kind("HorizontalPodAutoscaler")
    spec = autoscaler["spec"]
    assert spec["scaleTargetRef"]["kind"] == "Deployment"
    gateway = _named("Deployment", spec["scaleTargetRef"]["name"])
    assert gateway["metadata"]["name"] == "gateway"
    assert spec["minReplicas"] >= 2
    assert spec["maxReplicas"] > spec["minReplicas"]
    (metric,) = spec["metrics"]
    assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"
    # Utilization is a share of the request, so the request must be there.
    assert _container(gateway)["resources"]["requests"]["cpu"]


def test_deployments_under_an_autoscaler_leave_the_replica_count_to_it() -> None:
    scaled = [doc["spec"]["scaleTargetRef"]["name"] for doc in _of_kind("ScaledObject")]
    scaled += [doc["spec"]["scaleTargetRef"]["name"] for doc in _of_kind("HorizontalPodAutoscaler")]
    assert sorted(scaled) == ["audit", "gateway"]
    for name in scaled:
        assert "replicas" not in _named("Deployment", name)["spec"], f"{name}: apply would reset the autoscaler"


def test_every_deployment_has_a_disruption_budget_that_selects_its_pods() -> None:
    budgets = _of_kind("PodDisruptionBudget")
    covered = []
    for budget in budgets:
        selector = budget["spec"]["selector"]["matchLabels"]
        selected = [
            doc["metadata"]["name"]
            for doc in _of_kind("Deployment")
            if selector.items() <= doc["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(selected) == 1, (budget["metadata"]["name"], selected)
        # Never a budget that allows no disruption at all: it would block every node drain.
        spec = budget["spec"]
        assert ("minAvailable" in spec) != ("maxUnavailable" in spec)
        assert spec.get("maxUnavailable", 1) >= 1
        covered.extend(selected)
    assert sorted(covered) == sorted(doc["metadata"]["name"] for doc in _of_kind("Deployment"))
    # A budget keeping one pod up needs at least two: the gateway's autoscaler keeps two.
    gateway_budget = next(
        b for b in budgets if b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "gateway"
    )
    assert gateway_budget["spec"].get("minAvailable", 0) < _of_kind("HorizontalPodAutoscaler")[0]["spec"]["minReplicas"]
