"""Kubernetes: the base manifests pass kubernetes-validate --strict, the kustomizations
reference existing files, and the manifests agree with one another."""

import re
import sys
from pathlib import Path

import pytest

from tests.combinations import ROOT
from tests.conftest import Render, run
from tests.validators import COMBINATIONS, WITH_K8S, check, load, tool


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


@pytest.mark.parametrize("name", WITH_K8S)
def test_kustomizations_reference_existing_files(name: str, render: Render) -> None:
    root = render(name)
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
