"""Retention: what svs stores is kept from deletion for a configured time, where the storage can promise it.

``SVS_RETENTION_DAYS`` (1 to 36,500) turns it on; ``SVS_RETENTION_MODE`` is ``governance`` (the default: an
administrator holding ``s3:BypassGovernanceRetention`` may still remove an object) or ``compliance`` (no one
can, the root account included, until the date passes). On S3 every object is written with Object Lock
retention where the bucket has Object Lock enabled (it can only be enabled when the bucket is created); a bucket
without it is used as it is, with one warning, since refusing to store would lose more than it protects.

A directory store cannot promise retention: its files are written create-only and read-only (mode 0444), which
stops svs and careless hands, not an administrator. For retention on disk, put the store on WORM storage or a
file system that enforces immutability (``chattr +i`` on ext4/XFS, a NetApp SnapLock or ZFS snapshot policy);
``svs verify`` still tells whether anything changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from svs.errors import ConfigError

DAYS_ENV, MODE_ENV = "SVS_RETENTION_DAYS", "SVS_RETENTION_MODE"


@dataclass(frozen=True)
class Retention:
    days: int
    mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"

    def until(self, now: datetime | None = None) -> datetime:
        return (now or datetime.now(UTC)) + timedelta(days=self.days)


def from_env() -> Retention | None:
    raw = os.environ.get(DAYS_ENV, "").strip()
    if not raw:
        return None
    try:
        days = int(raw)
    except ValueError:
        raise ConfigError(f"{DAYS_ENV} must be a whole number of days") from None
    if not 1 <= days <= 36_500:
        raise ConfigError(f"{DAYS_ENV} must be between 1 and 36500")
    mode = os.environ.get(MODE_ENV, "governance").strip().upper()
    if mode not in ("GOVERNANCE", "COMPLIANCE"):
        raise ConfigError(f"{MODE_ENV} must be governance or compliance")
    return Retention(days, mode)  # type: ignore[arg-type]
