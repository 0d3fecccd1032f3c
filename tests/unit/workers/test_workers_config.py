"""The workers layer without a running broker: configuration, retry policy, dead-letter reasons, ids."""

import pytest

from svs.errors import ConfigError, InvalidId, PoisonMessage, StoreError, TransientStoreError
from svs.keys import check_id, item_prefix
from workers.config import WorkerSettings, broker_url
from workers.middleware import is_transient, reason_of


def test_broker_url_must_be_rabbitmq_or_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    assert broker_url("redis://127.0.0.1:6379/0").startswith("redis")
    monkeypatch.setenv("SVS_BROKER_URL", "kafka://x")
    with pytest.raises(ConfigError):
        broker_url()


@pytest.mark.parametrize("value", ["abc", "-5", "99999999999"])
def test_bad_settings_fail_at_start_with_a_clear_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SVS_ITEM_TIME_LIMIT_MS", value)
    with pytest.raises(ConfigError, match="SVS_ITEM_TIME_LIMIT_MS"):
        WorkerSettings.from_env()


def test_item_time_limit_stays_below_rabbitmq_consumer_timeout() -> None:
    assert WorkerSettings.from_env().item_time_limit_ms < 30 * 60 * 1000


def test_transient_failures_retry_and_everything_else_does_not() -> None:
    from botocore.exceptions import EndpointConnectionError

    assert is_transient(TransientStoreError("503"))
    assert is_transient(EndpointConnectionError(endpoint_url="http://x"))
    assert is_transient(ConnectionResetError())
    assert not is_transient(PoisonMessage("message.unknown_batch"))
    assert not is_transient(StoreError("403"))
    assert not is_transient(ValueError("bug"))


def test_dead_letter_reason_is_a_code_never_message_text() -> None:
    assert reason_of(PoisonMessage("message.missing_object", "details")) == "message.missing_object"
    assert reason_of(ValueError("P<UTOERIKSSON<<ANNA")) == "ValueError"


@pytest.mark.parametrize("bad", ["", "../x", "a/b", "x" * 65, "..", "a..b", "-lead"])
def test_ids_that_could_escape_a_key_are_refused(bad: str) -> None:
    with pytest.raises(InvalidId):
        check_id(bad)


def test_item_prefix_is_ids_and_hash_only() -> None:
    assert item_prefix("b-1", "0001-p002", "a" * 64) == "batches/b-1/items/0001-p002-" + "a" * 16
