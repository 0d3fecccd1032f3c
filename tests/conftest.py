"""Shared fixtures: generated images, the sample batch, stores (a directory, and moto's S3 server)."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))  # integration_helpers

import generate  # noqa: E402

SAMPLE = ROOT / "fixtures" / "sample-batch"
SHARED_DATA = ROOT.parent / "shared" / "data"

# One signing key for the whole session, named to every process the tests start; nothing is written to the
# user's own data folder (the embedded default's key is tested with a folder of its own).
_KEYS = Path(tempfile.mkdtemp(prefix="svs-test-keys-"))
os.environ["XDG_DATA_HOME"] = str(_KEYS / "data")
if not os.environ.get("SVS_SIGNING_KEY_FILE"):
    from svs.signing import generate as _generate_key

    os.environ["SVS_SIGNING_KEY_FILE"] = str(_generate_key(_KEYS / "session-key.pem").path)


@pytest.fixture(scope="session")
def gen():  # type: ignore[no-untyped-def]
    """The fixture generator module (fixtures/generate.py)."""
    return generate


@pytest.fixture(scope="session")
def form_page() -> np.ndarray:
    return generate.form_page("PA-2026-000001", 1, np.random.default_rng(5))


@pytest.fixture(scope="session")
def form_jpeg(form_page: np.ndarray) -> bytes:
    return generate.jpeg(form_page)


@pytest.fixture
def sample_batch(tmp_path: Path) -> Path:
    """A private copy of the committed sample batch."""
    dest = tmp_path / "batch"
    shutil.copytree(SAMPLE, dest)
    return dest


@pytest.fixture(scope="session")
def stored_sample(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The sample batch processed once (with the MRZ stage) into a directory store: (store, batch id)."""
    from svs.api import run_batch
    from svs.pipeline import Options
    from svs.storage import DirStore

    root = tmp_path_factory.mktemp("sample-store")
    outcome = run_batch(SAMPLE, str(root), jobs=2, options=Options(mrz=True))
    return DirStore(root), outcome.batch.batch_id


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's standalone S3 server on 127.0.0.1, a real HTTP endpoint, for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ["SVS_S3_ENDPOINT_URL"] = endpoint
    yield endpoint
    server.stop()


@pytest.fixture
def s3_store_url(s3_endpoint: str) -> str:
    """A fresh bucket on the moto server, as an s3:// store URL."""
    import boto3

    bucket = f"svs-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return f"s3://{bucket}/svs"


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    if not _port_open(5672):
        pytest.fail("RabbitMQ is not running on 127.0.0.1:5672 (make test starts it)")
    return "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not _port_open(6379):
        pytest.fail("Redis is not running on 127.0.0.1:6379 (make test starts it)")
    return "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["rabbitmq", "redis"])
def any_broker(request: pytest.FixtureRequest) -> str:
    """Each broker in turn, its svs queues emptied first."""
    from integration_helpers import purge_all

    url: str = request.getfixturevalue(f"{request.param}_url")
    purge_all(url)
    return url
