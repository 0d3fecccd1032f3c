"""Packaging: the Dockerfile and `make setup` install the same system packages; the image runs as non-root;
the code is ruff- and mypy-clean."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _packages() -> list[str]:
    lines = (ROOT / "system-packages.txt").read_text().splitlines()
    return [x.strip() for x in lines if x.strip() and not x.startswith("#")]


def test_dockerfile_installs_the_system_package_list() -> None:
    docker = (ROOT / "Dockerfile").read_text()
    assert "COPY system-packages.txt" in docker and "xargs apt-get install" in docker
    assert "tesseract-ocr" in _packages() and "fonts-ocr-b" in _packages()


def test_setup_installs_the_same_list() -> None:
    script = (ROOT / "scripts" / "install-system-packages.sh").read_text()
    assert "system-packages.txt" in script
    assert "scripts/install-system-packages.sh" in (ROOT / "Makefile").read_text()


def test_every_listed_package_is_installed_here() -> None:
    if not shutil.which("dpkg"):
        pytest.skip("not a Debian system")
    for package in _packages():
        assert subprocess.run(["dpkg", "-s", package], capture_output=True).returncode == 0, package


def test_image_is_slim_non_root_single_threaded_ocr_and_runs_the_worker() -> None:
    docker = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[1-9]-slim", docker, re.M)
    assert re.search(r"^USER (?!root)\S+", docker, re.M)
    assert "OMP_THREAD_LIMIT=1" in docker
    assert 'ENTRYPOINT ["svs"]' in docker and 'CMD ["worker"]' in docker
    assert "COPY models" in docker and "SVS_MODELS_DIR=/app/models" in docker  # the MRZ recogniser's weights


def test_console_script_and_packages() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["scripts"]["svs"] == "svs.cli:main"
    assert meta["project"]["requires-python"] == ">=3.11"


def test_core_never_imports_the_broker_layer() -> None:
    for path in (ROOT / "svs").rglob("*.py"):
        text = path.read_text()
        if path.name == "cli.py":  # the CLI reaches the workers layer lazily, inside the distributed commands
            assert not re.search(r"^(from|import) (workers|dramatiq|pika|redis)", text, re.M)
            continue
        assert not re.search(r"\b(import|from) (workers|dramatiq|pika|redis)\b", text), path


def test_ruff_is_clean() -> None:
    targets = ["svs", "workers", "tests", "bench", "fixtures", "models"]
    p = subprocess.run([sys.executable, "-m", "ruff", "check", *targets], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout


def test_mypy_is_clean() -> None:
    p = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout
