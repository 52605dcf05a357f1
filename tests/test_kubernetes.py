"""Kubernetes: the base manifests pass kubernetes-validate --strict one by one, each overlay is
built for real with `kubectl kustomize` and its output validated and checked (namespace,
images, labels, probes, patches, no Secret), and the manifests agree with one another."""

import functools
import re
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from tests.combinations import QUESTIONS, ROOT, SUPPORTED
from tests.conftest import Render, run
from tests.validators import COMBINATIONS, WITH_K8S, check, kubectl, load, tool

OVERLAYS = ["dev", "prod"]
BUILDS = [
    pytest.param(name, overlay, id=f"{name}-{overlay}") for name in WITH_K8S for overlay in OVERLAYS
]
# Kinds that live outside any namespace; every other resource takes the overlay's namespace.
CLUSTER_SCOPED = {
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "PersistentVolume",
    "PriorityClass",
    "StorageClass",
    "ValidatingWebhookConfiguration",
}
PROBES = {"livenessProbe": "/api/v1/health/live", "readinessProbe": "/api/v1/health/ready"}
# The label every generated resource carries, whatever the kustomizations add.
NAME_LABEL = "app.kubernetes.io/name"


class Overlay(NamedTuple):
    root: Path  # the rendered project
    folder: Path  # k8s/overlays/<overlay>
    kustomization: dict[str, Any]
    by_id: dict[str, dict[str, Any]]  # the built resources by "Kind/name"


def k8s_resources(root: Path) -> list[Path]:
    return sorted(p for p in (root / "k8s/base").glob("*.yaml") if p.name != "kustomization.yaml")


@pytest.mark.parametrize("name", WITH_K8S)
def test_every_manifest_passes_kubernetes_validate_strict(name: str, render: Render) -> None:
    root = render(name)
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


@functools.cache
def build(root: Path, overlay: str) -> str:
    """The overlay as `kubectl apply -k` would send it (built once per worker)."""
    return check([kubectl(), "kustomize", str(root / "k8s/overlays" / overlay)], root)


def documents(built: str) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(built) if document]


def ident(document: dict[str, Any]) -> str:
    return f"{document['kind']}/{document['metadata']['name']}"


def pod_templates(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod template of a workload (Deployment, Job, CronJob, ...); none for other kinds."""
    spec = document.get("spec", {})
    template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
    return [template] if template else []


def containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        container
        for template in pod_templates(document)
        for container in [
            *template["spec"].get("initContainers", []),
            *template["spec"]["containers"],
        ]
    ]


def contains(whole: Any, part: Any) -> bool:
    """Whether `part` (a strategic-merge patch of maps and scalars) is applied in `whole`."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(
            key in whole and contains(whole[key], value) for key, value in part.items()
        )
    if isinstance(part, list) and all(isinstance(item, dict) and "name" in item for item in part):
        # Lists of named items (containers, ports, env) merge by name.
        if not isinstance(whole, list):
            return False
        named = {item.get("name"): item for item in whole if isinstance(item, dict)}
        return all(contains(named.get(item["name"]), item) for item in part)
    return bool(whole == part)


def declared_labels(kustomizations: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """Labels the kustomizations add: (on every resource, also on pod templates)."""
    everywhere: dict[str, str] = {}
    templates: dict[str, str] = {}
    for kustomization in kustomizations:
        everywhere |= kustomization.get("commonLabels", {})
        templates |= kustomization.get("commonLabels", {})
        for entry in kustomization.get("labels", []):
            everywhere |= entry["pairs"]
            if entry.get("includeTemplates") or entry.get("includeSelectors"):
                templates |= entry["pairs"]
    return everywhere, templates


def overlay_of(render: Render, name: str, overlay: str) -> Overlay:
    root = render(name)
    folder = root / "k8s/overlays" / overlay
    built = documents(build(root, overlay))
    by_id = {ident(document): document for document in built}
    assert len(by_id) == len(built), sorted(map(ident, built))  # no resource twice
    return Overlay(root, folder, load(folder / "kustomization.yaml"), by_id)


@pytest.mark.parametrize(("name", "overlay"), BUILDS)
def test_overlay_builds_and_passes_kubernetes_validate_strict(
    name: str, overlay: str, render: Render, tmp_path: Path
) -> None:
    root = render(name)
    built = build(root, overlay)
    manifest = tmp_path / f"{overlay}.yaml"
    manifest.write_text(built, encoding="utf-8")
    output = check([tool("kubernetes-validate"), "--strict", str(manifest)], root)
    assert output.count(" passed for resource ") == len(documents(built)) >= 6, output


@pytest.mark.parametrize(("name", "overlay"), BUILDS)
def test_built_overlay_deploys_the_base_but_not_the_secret(
    name: str, overlay: str, render: Render
) -> None:
    built = overlay_of(render, name, overlay)
    base = built.root / "k8s/base"
    secret = load(base / "secret.example.yaml")
    assert set(built.by_id) == {ident(load(path)) for path in k8s_resources(built.root)} - {
        ident(secret)
    }
    assert [key for key in built.by_id if key.startswith("Secret/")] == []
    # Workloads read the ConfigMap deployed here and the Secret the operator creates.
    for document in built.by_id.values():
        for container in containers(document):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert f"ConfigMap/{source['configMapRef']['name']}" in built.by_id
                if "secretRef" in source:
                    assert source["secretRef"]["name"] == secret["metadata"]["name"]


@pytest.mark.parametrize(("name", "overlay"), BUILDS)
def test_built_overlay_has_its_namespace_and_images(
    name: str, overlay: str, render: Render
) -> None:
    built = overlay_of(render, name, overlay)
    namespace = built.kustomization.get("namespace")
    assert namespace == f"{built.root.name.replace('_', '-')}-{overlay}"
    assert [
        key
        for key, document in built.by_id.items()
        if document["kind"] not in CLUSTER_SCOPED
        and document["metadata"].get("namespace") != namespace
    ] == []

    # The overlay renames the base's image to its registry and pins the project's version.
    base = load(built.root / "k8s/base/deployment.yaml")
    images = built.kustomization["images"]
    assert [entry["name"] for entry in images] == [
        base["spec"]["template"]["spec"]["containers"][0]["image"]
    ]
    assert [entry["newTag"] for entry in images] == [
        str(SUPPORTED[name].get("version", QUESTIONS["version"]))
    ]
    used = [
        container["image"]
        for document in built.by_id.values()
        for container in containers(document)
    ]
    assert len(used) >= 2, used  # the API and the migration Job
    assert set(used) == {f"{entry['newName']}:{entry['newTag']}" for entry in images}


@pytest.mark.parametrize(("name", "overlay"), BUILDS)
def test_built_overlay_has_the_common_labels_and_health_probes(
    name: str, overlay: str, render: Render
) -> None:
    built = overlay_of(render, name, overlay)
    slug = built.root.name.replace("_", "-")
    declared = [load(built.root / "k8s/base/kustomization.yaml"), built.kustomization]
    everywhere, templates = ({NAME_LABEL: slug, **labels} for labels in declared_labels(declared))
    unlabelled = [
        key
        for key, document in built.by_id.items()
        if not everywhere.items() <= document["metadata"].get("labels", {}).items()
    ]
    unlabelled += [
        f"{key} (pod template)"
        for key, document in built.by_id.items()
        for template in pod_templates(document)
        if not templates.items() <= template["metadata"].get("labels", {}).items()
    ]
    assert unlabelled == [], everywhere

    deployments = [key for key in built.by_id if key.startswith("Deployment/")]
    assert deployments
    for key in deployments:
        if built.by_id[key]["metadata"]["labels"].get("app.kubernetes.io/component") == "worker":
            continue  # no port: test_built_overlay_runs_the_worker_when_jobs_are_on
        for container in built.by_id[key]["spec"]["template"]["spec"]["containers"]:
            ports = {port.get("name") for port in container["ports"]}
            ports |= {port["containerPort"] for port in container["ports"]}
            for probe, path in PROBES.items():
                assert container[probe]["httpGet"]["path"] == path, (key, probe)
                assert container[probe]["httpGet"]["port"] in ports, (key, probe)


@pytest.mark.parametrize(("name", "overlay"), BUILDS)
def test_built_overlay_runs_the_worker_when_jobs_are_on(
    name: str, overlay: str, render: Render
) -> None:
    built = overlay_of(render, name, overlay)
    slug = built.root.name.replace("_", "-")
    worker = built.by_id.get(f"Deployment/{slug}-worker")
    assert (worker is not None) == (COMBINATIONS[name]["task_queue"] == "saq")
    if worker is None:
        return
    api = built.by_id[f"Deployment/{slug}"]
    pod = worker["spec"]["template"]
    assert worker["metadata"]["namespace"] == api["metadata"]["namespace"] == built.kustomization[
        "namespace"
    ]
    assert worker["spec"]["selector"]["matchLabels"] == pod["metadata"]["labels"]
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "worker"
    # The Service and the PodDisruptionBudget of the API do not select the worker's pods.
    api_labels = api["spec"]["template"]["metadata"]["labels"]
    assert not api_labels.items() <= pod["metadata"]["labels"].items()
    [container] = pod["spec"]["containers"]
    [api_container] = api["spec"]["template"]["spec"]["containers"]
    assert container["image"] == api_container["image"]  # the overlay's image, the same build
    assert container["command"] == ["python", "-m", "app.worker"]
    for probe in ("startupProbe", "livenessProbe"):
        assert container[probe]["exec"]["command"] == ["python", "-m", "app.worker", "alive"]
    assert "ports" not in container
    assert "readinessProbe" not in container  # it serves no traffic
    assert set(container["resources"]) == {"requests", "limits"}
    assert container["envFrom"] == api_container["envFrom"]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # Running jobs (JOB_TIMEOUT_SECONDS, 60 s by default) finish before the pod is killed.
    assert pod["spec"]["terminationGracePeriodSeconds"] > 60


@pytest.mark.parametrize(("name", "overlay"), BUILDS)
def test_built_overlay_applies_every_patch(name: str, overlay: str, render: Render) -> None:
    built = overlay_of(render, name, overlay)
    listed = [patch["path"] for patch in built.kustomization["patches"]]
    # No patch file lies unused in the overlay's folder.
    assert sorted(listed) == sorted(
        path.name for path in built.folder.glob("*.yaml") if path.name != "kustomization.yaml"
    )
    for path in listed:
        change = load(built.folder / path)
        assert ident(change) in built.by_id, path
        applied = {key: value for key, value in change.items() if key != "metadata"}
        assert contains(built.by_id[ident(change)], applied), (path, built.by_id[ident(change)])


@pytest.mark.parametrize("name", WITH_K8S)
def test_manifests_hang_together(name: str, render: Render) -> None:
    base = render(name) / "k8s/base"
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
