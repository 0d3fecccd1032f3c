"""Typed exceptions. Their text never holds personal data: codes, counts and sizes only."""

from __future__ import annotations


class SvsError(Exception):
    """Base class; ``code`` is a reason code or a short error class name."""

    code = "svs.error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail


class IntakeError(SvsError):
    """The input file cannot become an item image; ``code`` is one of the ``input.*`` reason codes."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


class StoreError(SvsError):
    code = "store.error"


class TransientStoreError(StoreError):
    """The store failed in a way that may pass (5xx, lost connection): retry with backoff."""

    code = "store.transient"


class ObjectConflict(StoreError):
    """A create-only write met an existing object with different content: never overwrite."""

    code = "store.conflict"


class IntegrityError(StoreError):
    """An object read back does not match the SHA-256 it was written with."""

    code = "store.integrity"


class PoisonMessage(SvsError):
    """A queue message that can never succeed (malformed, or naming objects that do not exist)."""

    code = "message.poison"

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


class ConfigError(SvsError):
    code = "config.invalid"


class EngineTimeout(SvsError):
    """An external engine (Tesseract, a PDF renderer) ran past its own time limit and was stopped."""

    code = "stage.timeout"
