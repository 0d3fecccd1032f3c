"""Typed exceptions. Their text never holds personal data: codes, counts and sizes only.

Each class carries the exit status of the ``svs`` command it ends (:attr:`SvsError.exit_code`), so the CLI maps
errors to exit codes in one place.
"""

from __future__ import annotations

from typing import ClassVar

#: The ``svs`` command's exit statuses: every input processed; the program failed; a usage or configuration mistake.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class SvsError(Exception):
    """Base class; ``code`` names what went wrong: an item's reason code where the error is about one input
    (``input.*``, ``stage.timeout``, ``batch.id_conflict``), else an error class (``store.error``,
    ``config.invalid``, ``message.*``)."""

    code = "svs.error"
    exit_code: ClassVar[int] = EXIT_FAILED

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


class InvalidId(SvsError):
    """A batch id, item id or SHA-256 that cannot safely become part of an object key or a path. Wherever it came
    from (a queue message, a URL, ``batch.json``), the caller says what that means there."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


class PoisonMessage(SvsError):
    """A queue message that can never succeed (malformed, or naming objects that do not exist)."""

    code = "message.poison"

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


class ConfigError(SvsError):
    """Settings that cannot work (a URL, a limit, a profile name): the person starting svs must change them."""

    code = "config.invalid"
    exit_code: ClassVar[int] = EXIT_USAGE


class EngineTimeout(SvsError):
    """An external engine (Tesseract, a PDF renderer) ran past its own time limit and was stopped."""

    code = "stage.timeout"
