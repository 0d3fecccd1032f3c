"""deploy/: the Kubernetes manifests (Kustomize) and the compose file, validated offline.

Built-in kinds against the Kubernetes schemas that ``kubernetes-validate`` ships (strict: no unknown field);
KEDA's resources against ``deploy/schemas/keda.schema.json``, the project's schema of the KEDA fields it uses;
then what the manifests say against what svs is: the commands they run are svs's, the grace period outlasts
the item time limit, the memory limit leaves room above the per-process cap, the scaler watches the actors' queue.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from kubernetes_validate import utils as k8s
from typer.testing import CliRunner

from svs.cli import app
from workers.lanes import QUEUES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
OVERLAYS = ("rabbitmq", "redis")
KUBERNETES = "1.30"  # the oldest Kubernetes the manifests are held to
KEDA = json.loads((DEPLOY / "schemas" / "keda.schema.json").read_text())


def build(folder: Path) -> list[dict[str, Any]]:
    """The documents a kustomization names, its bases' first (svs's kustomizations use resources only: no
    patches or generators, so this is what ``kubectl kustomize`` renders)."""
    k = yaml.safe_load((folder / "kustomization.yaml").read_text())
    assert set(k) <= {"apiVersion", "kind", "resources"}, "only resources: extend build() for more"
    docs: list[dict[str, Any]] = []
    for entry in k["resources"]:
        path = (folder / entry).resolve()
        docs += build(path) if path.is_dir() else [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _env(container: dict[str, Any], configmaps: dict[str, dict[str, Any]]) -> dict[str, str]:
    env = {}
    for source in container.get("envFrom", []):
        env.update(configmaps[source["configMapRef"]["name"]]["data"])
    env.update({e["name"]: e.get("value", "<secret>") for e in container.get("env", [])})
    return env


def svs_accepts(args: list[str]) -> bool:
    """Whether *args* are an ``svs`` command line: the command exists and takes these options. Asked with
    ``--help`` after them, so nothing runs."""
    return CliRunner().invoke(app, [*args, "--help"]).exit_code == 0


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_kubernetes_resource_is_valid_against_the_kubernetes_schemas(overlay: str) -> None:
    docs = build(DEPLOY / "k8s" / "overlays" / overlay)
    builtin = [d for d in docs if not d["apiVersion"].startswith("keda.sh/")]
    assert {d["kind"] for d in builtin} >= {"Deployment", "Service", "ConfigMap"}
    for d in builtin:
        k8s.validate(d, KUBERNETES, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_keda_scaler_is_valid_and_watches_both_lanes_queues(overlay: str) -> None:
    docs = build(DEPLOY / "k8s" / "overlays" / overlay)
    keda = [d for d in docs if d["apiVersion"].startswith("keda.sh/")]
    for d in keda:
        jsonschema.validate(d, KEDA)
    [scaler] = by_kind(docs, "ScaledObject").values()
    assert scaler["spec"]["scaleTargetRef"]["name"] in by_kind(docs, "Deployment")
    watched = set()
    for trigger in scaler["spec"]["triggers"]:
        assert trigger["authenticationRef"]["name"] in by_kind(docs, "TriggerAuthentication")
        name = trigger["metadata"].get("queueName") or trigger["metadata"].get("listName")
        watched.add(name if trigger["type"] == "rabbitmq" else name.removeprefix("dramatiq:"))
    assert watched == set(QUEUES.values())  # the lanes' queues (workers.lanes), each scaled on


def test_the_keda_schema_refuses_a_field_it_does_not_know() -> None:
    docs = build(DEPLOY / "k8s" / "overlays" / "rabbitmq")
    scaler = next(d for d in docs if d["kind"] == "ScaledObject")
    scaler["spec"]["triggers"][0]["metadata"]["queueLenght"] = "4"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(scaler, KEDA)


def test_the_workers_finish_their_item_and_keep_room_above_the_memory_cap() -> None:
    docs = build(DEPLOY / "k8s" / "base")
    pod = by_kind(docs, "Deployment")["svs-worker"]["spec"]["template"]["spec"]
    [worker] = pod["containers"]
    env = _env(worker, by_kind(docs, "ConfigMap"))
    assert pod["terminationGracePeriodSeconds"] > int(env["SVS_ITEM_TIME_LIMIT_MS"]) / 1000
    processes = int(worker["args"][worker["args"].index("--processes") + 1])
    limit = worker["resources"]["limits"]["memory"]
    assert limit.endswith("Gi") and int(limit[:-2]) * 1024 > processes * int(env["SVS_MEMORY_LIMIT_MB"])
    assert env["SVS_METRICS_HOST"] == "0.0.0.0" and {"containerPort": 9191, "name": "metrics"} in worker["ports"]


def test_every_command_the_manifests_run_is_an_svs_command() -> None:
    docs = build(DEPLOY / "k8s" / "base")
    for deployment in by_kind(docs, "Deployment").values():
        for c in deployment["spec"]["template"]["spec"]["containers"]:
            assert svs_accepts(c["args"]), c["args"]
            for probe in (c.get("livenessProbe", {}), c.get("readinessProbe", {})):
                if "exec" in probe:
                    assert probe["exec"]["command"][0] == "svs"
                    assert svs_accepts(probe["exec"]["command"][1:])
    assert not svs_accepts(["worker", "--no-such-option"]) and not svs_accepts(["wroker"])  # the check can fail


def test_the_compose_stack_runs_svs_commands_with_the_same_limits() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"rabbitmq", "s3", "bucket", "worker", "dashboard"} <= set(services)
    for name in ("worker", "dashboard", "submit"):
        assert svs_accepts(services[name]["command"]), name
    worker = services["worker"]
    assert int(worker["stop_grace_period"].rstrip("s")) > int(worker["environment"]["SVS_ITEM_TIME_LIMIT_MS"]) / 1000
    assert int(worker["mem_limit"].rstrip("g")) * 1024 > int(worker["environment"]["SVS_MEMORY_LIMIT_MB"])
    assert services["dashboard"]["ports"] == ["127.0.0.1:8600:8600"]  # on this machine only


def test_every_worker_signs_with_the_one_key_ops_mount_and_compose_shares_one_key() -> None:
    docs = build(DEPLOY / "k8s" / "base")
    config = by_kind(docs, "ConfigMap")["svs-config"]["data"]
    spec = by_kind(docs, "Deployment")["svs-worker"]["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "signing-key")
    assert mount["readOnly"] and config["SVS_SIGNING_KEY_FILE"].startswith(mount["mountPath"] + "/")
    volume = next(v for v in spec["volumes"] if v["name"] == "signing-key")
    assert volume["secret"]["secretName"] == "svs-signing-key"
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    keys_at = {name: s.get("volumes") for name, s in compose["services"].items() if name in ("worker", "submit")}
    assert keys_at["worker"] == keys_at["submit"] == ["svs-keys:/home/svs/.local/share/svs"]
    assert "svs-keys" in compose["volumes"]
