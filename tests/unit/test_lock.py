"""The lock files: every runtime and test dependency pinned and hashed, in agreement with pyproject.toml, and
used by make and the Docker image; a result records which lock its packages came from."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^ \\]+)", re.M)


def pins(lock: str) -> dict[str, str]:
    return {canonicalize_name(n): v for n, v in PIN.findall((ROOT / lock).read_text())}


def _declared(extra: bool) -> list[Requirement]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"]) + (list(meta["optional-dependencies"]["dev"]) if extra else [])
    return [Requirement(r) for r in reqs]


@pytest.mark.parametrize(("lock", "dev"), [("requirements.lock", False), ("requirements-dev.lock", True)])
def test_every_declared_dependency_is_pinned_within_its_range(lock: str, dev: bool) -> None:
    pinned = pins(lock)
    for req in _declared(dev):
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is not in {lock}: run scripts/lock.sh"
        assert req.specifier.contains(pinned[name], prereleases=True), f"{lock} pins {req.name} {pinned[name]}"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_pinned_package_has_a_hash(lock: str) -> None:
    text = (ROOT / lock).read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text.split("\n", 1)[1])
    assert blocks and all("--hash=sha256:" in b for b in blocks if PIN.match(b))


def test_the_runtime_lock_is_the_runtime_part_of_the_tested_one() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert runtime and all(dev.get(name) == version for name, version in runtime.items())


def test_make_and_the_image_install_from_the_locks_with_hashes() -> None:
    make = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in make and "--no-deps -e ." in make
    docker = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in docker and "--no-deps ." in docker
    assert "SVS_LOCK_FILE=/app/requirements.lock" in docker


def test_a_result_records_the_digest_of_the_lock_its_packages_came_from() -> None:
    from svs.provenance import model_versions

    digest = hashlib.sha256((ROOT / "requirements.lock").read_bytes()).hexdigest()
    assert model_versions()["python_packages"] == f"sha256:{digest}"
