"""The deployment files stay in step with the workspace.

Services are discovered from `services/*/pyproject.toml`, so adding a service without a compose entry, a
database or a Kubernetes Deployment fails here rather than at deploy time. Docker is not needed: the files are
only parsed.
"""

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from lklr_shared.kit.broker_users import ALL_SERVICES, user_name
from lklr_shared.kit.topology import Topology

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
INIT_SQL = DEPLOY / "postgres" / "init-databases.sql"
K8S_DIR = DEPLOY / "k8s"

# The gateway owns no database; every other service owns exactly one.
SERVICES_WITHOUT_DATABASE = {"gateway"}


def _workspace_services() -> list[str]:
    names = []
    for pyproject in sorted(REPO_ROOT.glob("services/*/pyproject.toml")):
        name = pyproject.parent.name
        distribution = tomllib.loads(pyproject.read_text())["project"]["name"]
        assert distribution == f"lklr-{name}", f"{pyproject}: distribution {distribution!r} is not lklr-{name}"
        names.append(name)
    return names


WORKSPACE_SERVICES = _workspace_services()
DATABASE_SERVICES = [name for name in WORKSPACE_SERVICES if name not in SERVICES_WITHOUT_DATABASE]


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _compose_service(name: str) -> dict[str, Any]:
    services = _compose()["services"]
    assert name in services, f"workspace service {name!r} has no entry in {COMPOSE_FILE.relative_to(REPO_ROOT)}"
    return services[name]


def _environment(entry: dict[str, Any]) -> dict[str, str]:
    """Compose accepts the environment as a mapping or as a list of KEY=VALUE strings."""
    env = entry.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _prefix(name: str) -> str:
    return f"{name.upper()}_"


def _health_port(name: str, env: dict[str, str]) -> str:
    variable = "GATEWAY_PORT" if name == "gateway" else f"{_prefix(name)}HEALTH_PORT"
    assert variable in env, f"{name}: {variable} is not set in compose"
    return env[variable]


def _depends_on(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    depends = entry.get("depends_on") or {}
    if isinstance(depends, list):  # the short form carries no condition
        return {dependency: {} for dependency in depends}
    return depends


def _databases_created_by_init_script() -> set[str]:
    return set(re.findall(r'CREATE\s+DATABASE\s+"?(\w+)"?', INIT_SQL.read_text(), flags=re.IGNORECASE))


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def _k8s_documents() -> list[dict[str, Any]]:
    documents = []
    for manifest in sorted(K8S_DIR.glob("*.yaml")):
        documents.extend(doc for doc in yaml.safe_load_all(manifest.read_text()) if doc)
    return documents


def _deployments() -> list[dict[str, Any]]:
    return [doc for doc in _k8s_documents() if doc.get("kind") == "Deployment"]


def test_discovers_the_workspace_services() -> None:
    assert "gateway" in WORKSPACE_SERVICES
    assert DATABASE_SERVICES, "no service with a database discovered"


@pytest.mark.parametrize("name", WORKSPACE_SERVICES)
def test_compose_builds_each_service_from_the_shared_dockerfile(name: str) -> None:
    build = _compose_service(name).get("build")
    assert isinstance(build, dict), f"{name}: build must be a mapping with context, dockerfile and args"
    context = (COMPOSE_FILE.parent / build.get("context", ".")).resolve()
    assert (context / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE.resolve()
    args = build.get("args") or {}
    if isinstance(args, list):
        args = dict(item.split("=", 1) for item in args)
    assert args.get("SERVICE") == name


@pytest.mark.parametrize("name", WORKSPACE_SERVICES)
def test_compose_points_each_service_at_the_rabbitmq_service(name: str) -> None:
    env = _environment(_compose_service(name))
    amqp_url = env.get(f"{_prefix(name)}AMQP_URL")
    assert amqp_url, f"{name}: {_prefix(name)}AMQP_URL is not set"
    parts = urlsplit(amqp_url)
    assert parts.scheme == "amqp"
    assert parts.hostname == "rabbitmq"
    assert "rabbitmq" in _compose()["services"]


@pytest.mark.parametrize("name", DATABASE_SERVICES)
def test_compose_gives_each_service_its_own_postgres_database(name: str) -> None:
    env = _environment(_compose_service(name))
    database_url = env.get(f"{_prefix(name)}DATABASE_URL")
    assert database_url, f"{name}: {_prefix(name)}DATABASE_URL is not set"
    parts = urlsplit(database_url)
    assert parts.scheme == "postgresql+asyncpg"
    assert parts.hostname == "postgres"
    assert parts.path.lstrip("/") == name
    assert "postgres" in _compose()["services"]
    assert name in _databases_created_by_init_script(), f"init script does not create database {name!r}"


def test_init_script_creates_the_application_role() -> None:
    assert re.search(r"CREATE\s+ROLE\s+lklr\b.*LOGIN.*PASSWORD\s+'lklr'", INIT_SQL.read_text(), re.IGNORECASE)


def test_compose_mounts_the_init_script_into_postgres() -> None:
    volumes = _compose()["services"]["postgres"].get("volumes", [])
    mounted = [volume.split(":")[0] for volume in volumes if "docker-entrypoint-initdb.d" in volume]
    assert [(COMPOSE_FILE.parent / source).resolve() for source in mounted] == [INIT_SQL.resolve()]


@pytest.mark.parametrize("name", WORKSPACE_SERVICES)
def test_compose_checks_each_service_readiness_on_its_own_port(name: str) -> None:
    entry = _compose_service(name)
    test = entry.get("healthcheck", {}).get("test")
    assert test, f"{name}: no healthcheck"
    command = test if isinstance(test, str) else " ".join(test)
    port = _health_port(name, _environment(entry))
    assert f":{port}/readyz" in command


@pytest.mark.parametrize("name", WORKSPACE_SERVICES)
def test_compose_starts_each_service_after_its_dependencies_are_healthy(name: str) -> None:
    depends = _depends_on(_compose_service(name))
    required = ["rabbitmq"] if name in SERVICES_WITHOUT_DATABASE else ["rabbitmq", "postgres"]
    for dependency in required:
        assert dependency in depends, f"{name}: does not depend on {dependency}"
        assert depends[dependency].get("condition") == "service_healthy", f"{name} -> {dependency}"


@pytest.mark.parametrize("name", ["rabbitmq", "postgres"])
def test_compose_infrastructure_has_healthchecks(name: str) -> None:
    assert _compose()["services"][name].get("healthcheck", {}).get("test")


def test_gateway_publishes_port_8000() -> None:
    ports = [str(port) for port in _compose_service("gateway").get("ports", [])]
    assert any(port.endswith("8000:8000") for port in ports), ports


def test_dockerfile_takes_the_service_as_a_build_argument() -> None:
    assert ("ARG", "SERVICE") in _dockerfile_instructions()


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "USER"]
    assert users, "no USER instruction: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_dockerfile_installs_only_the_service_package() -> None:
    runs = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "RUN"]
    syncs = [run for run in runs if "uv sync" in run]
    assert syncs, "no `uv sync` in the Dockerfile"
    for sync in syncs:
        assert "--package" in sync and "--frozen" in sync and "--no-dev" in sync, sync


def test_dockerfile_has_a_healthcheck_and_runs_the_service_module() -> None:
    keywords = dict(_dockerfile_instructions())
    assert "HEALTHCHECK" in keywords
    assert "python -m" in keywords.get("ENTRYPOINT", "") + keywords.get("CMD", "")


def test_every_workspace_service_has_a_k8s_deployment() -> None:
    deployed = {doc["metadata"]["name"] for doc in _deployments()}
    assert set(WORKSPACE_SERVICES) <= deployed, sorted(set(WORKSPACE_SERVICES) - deployed)


@pytest.mark.parametrize("name", DATABASE_SERVICES)
def test_k8s_binds_each_health_server_on_all_interfaces(name: str) -> None:
    # The kit's health server listens on 127.0.0.1 by default, where the kubelet's probes cannot reach it.
    deployment = next(doc for doc in _deployments() if doc["metadata"]["name"] == name)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item.get("value") for item in container.get("env", [])}
    assert env.get(f"{_prefix(name)}HEALTH_HOST") == "0.0.0.0"


def test_every_k8s_deployment_has_liveness_and_readiness_probes() -> None:
    deployments = _deployments()
    assert deployments
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        pod = deployment["spec"]["template"]["spec"]
        assert pod.get("securityContext", {}).get("runAsNonRoot") is True, name
        for container in pod["containers"]:
            assert container["livenessProbe"]["httpGet"]["path"] == "/livez", name
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            assert container.get("resources", {}).get("requests"), name


# Broker users: each service connects as `lklr-<service>`, whose rights RabbitMQ loads at boot from the definitions
# file that lklr_shared.kit.broker_users writes (compose) or prints (Kubernetes).
BROKER_PASSWORD = re.compile(r"^\$\{(LKLR_BROKER_PASSWORD_[A-Z]+)(:-[^}]*)?\}$")


def test_every_workspace_service_has_a_broker_user() -> None:
    assert sorted(ALL_SERVICES) == sorted(WORKSPACE_SERVICES)


@pytest.mark.parametrize("name", WORKSPACE_SERVICES)
def test_compose_connects_each_service_as_its_own_broker_user(name: str) -> None:
    env = _environment(_compose_service(name))
    parts = urlsplit(env[f"{_prefix(name)}AMQP_URL"])
    assert env[f"{_prefix(name)}BROKER_PREFIX"] == "lklr"
    assert parts.username == f"lklr-{name}" == user_name(Topology(prefix="lklr"), name)
    password = BROKER_PASSWORD.match(parts.password or "")
    assert password, f"{name}: the broker password is not taken from LKLR_BROKER_PASSWORD_{name.upper()}"
    assert password.group(1) == f"LKLR_BROKER_PASSWORD_{name.upper()}"
    # The definitions are written with the very same password (the same default included).
    definitions_env = _environment(_compose()["services"]["broker-definitions"])
    assert definitions_env[password.group(1)] == parts.password


def test_compose_rabbitmq_loads_the_definitions_written_before_it_starts() -> None:
    services = _compose()["services"]
    writer = services["broker-definitions"]
    command = writer["command"]
    assert command[command.index("--prefix") + 1] == "lklr"
    assert "definitions" in command
    written = Path(command[command.index("--out") + 1])
    (writer_volume,) = [v for v in writer["volumes"] if v.split(":")[1] == str(written.parent)]
    rabbitmq = services["rabbitmq"]
    assert rabbitmq["depends_on"]["broker-definitions"]["condition"] == "service_completed_successfully"
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in rabbitmq["volumes"]}
    config_source = next(source for target, source in mounts.items() if target.startswith("/etc/rabbitmq/conf.d/"))
    loaded = re.search(r"^load_definitions\s*=\s*(\S+)", (DEPLOY / config_source).read_text(), re.MULTILINE)
    assert loaded, "the RabbitMQ config does not load definitions"
    loaded_path = Path(loaded.group(1))
    assert mounts[str(loaded_path.parent)] == writer_volume.split(":")[0], "RabbitMQ reads another volume"
    assert loaded_path.name == written.name
    assert "RABBITMQ_DEFAULT_PASS" not in _environment(rabbitmq), "the definitions make the users"


@pytest.mark.parametrize("name", WORKSPACE_SERVICES)
def test_k8s_gives_each_service_its_own_broker_url(name: str) -> None:
    deployment = next(doc for doc in _deployments() if doc["metadata"]["name"] == name)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item for item in container.get("env", [])}
    reference = env[f"{_prefix(name)}AMQP_URL"]["valueFrom"]["secretKeyRef"]
    assert reference["key"] == f"{_prefix(name)}AMQP_URL"
    secret = next(doc for doc in _k8s_documents() if doc.get("kind") == "Secret")
    assert secret["metadata"]["name"] == reference["name"]
    assert urlsplit(secret["stringData"][reference["key"]]).username == f"lklr-{name}"


def _env_of(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {item["name"]: item for item in container.get("env", [])}


@pytest.mark.parametrize("name", [n for n in _workspace_services() if n != "gateway"])
def test_services_finding_every_k8s_service_verifies_actor_assertions_with_the_secrets_key(name: str) -> None:
    (deployment,) = [d for d in _deployments() if d["metadata"]["name"] == name]
    verify = _env_of(deployment)[f"{name.upper()}_ACTOR_VERIFY_KEYS"]
    assert verify["valueFrom"]["secretKeyRef"]["key"] == "ACTOR_VERIFY_KEYS"


def test_services_finding_the_k8s_gateway_signs_with_the_secrets_key() -> None:
    (deployment,) = [d for d in _deployments() if d["metadata"]["name"] == "gateway"]
    signing = _env_of(deployment)["GATEWAY_ACTOR_SIGNING_KEY"]
    assert signing["valueFrom"]["secretKeyRef"]["key"] == "GATEWAY_ACTOR_SIGNING_KEY"
    secret = yaml.safe_load((K8S_DIR / "secret.example.yaml").read_text())
    assert {"GATEWAY_ACTOR_SIGNING_KEY", "ACTOR_VERIFY_KEYS"} <= set(secret["stringData"])


# Migrations run once, before the services: a one-shot `<service>-migrate` per service with a database.
@pytest.mark.parametrize("name", DATABASE_SERVICES)
def test_compose_migrates_each_service_once_before_it_starts(name: str) -> None:
    service = _compose_service(name)
    migrate = _compose_service(f"{name}-migrate")
    assert migrate["build"]["args"]["SERVICE"] == name
    assert migrate["image"] == service["image"]
    assert migrate["command"] == ["migrate"], "the image's entry point runs `python -m <service> migrate`"
    assert migrate.get("restart") == "no"
    variable = f"{_prefix(name)}DATABASE_URL"
    assert _environment(migrate)[variable] == _environment(service)[variable]
    assert _depends_on(migrate)["postgres"].get("condition") == "service_healthy"
    assert _depends_on(service)[f"{name}-migrate"].get("condition") == "service_completed_successfully"
    assert _environment(service)[f"{_prefix(name)}AUTO_MIGRATE"] == "false"
