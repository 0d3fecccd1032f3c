"""What a run is asked to do (which stages, which thresholds, which MRZ reader), and the clock of a stage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from svs.errors import ConfigError
from svs.intake import DEFAULT_LIMITS, Limits
from svs.mrz.read import DEFAULT_READER, READERS
from svs.schema import Priority, RunOptions
from svs.thresholds import DEFAULT_PROFILE, PROFILES, Profile


@dataclass(frozen=True)
class Options:
    profile: Profile = DEFAULT_PROFILE
    mrz: bool = True
    photo: bool = True
    barcodes: bool = True
    forms: bool = True
    reader: str = DEFAULT_READER
    today: date | None = None
    limits: Limits = DEFAULT_LIMITS
    #: The batch's lane (``batch.json`` ``priority``, ``svs submit --priority``); its results carry it.
    priority: Priority = "normal"

    def processing_date(self) -> date:
        return self.today or datetime.now(UTC).date()

    def to_run_options(self) -> RunOptions:
        """What travels with a submitted batch in its manifest, so that every worker runs it the same way.

        The processing date and the input limits stay each worker's own: a worker judges expiry on the day it
        works and guards its own memory."""
        return RunOptions(profile=self.profile.name, mrz=self.mrz, photo=self.photo, barcodes=self.barcodes,
                          forms=self.forms, reader=self.reader, priority=self.priority)

    @classmethod
    def from_run_options(cls, run: RunOptions) -> Options:
        profile = PROFILES.get(run.profile)
        if profile is None:
            raise ConfigError(f"unknown threshold profile {run.profile!r}")
        if run.reader not in READERS:
            raise ConfigError(f"unknown MRZ reader {run.reader!r}")
        return cls(profile=profile, mrz=run.mrz, photo=run.photo, barcodes=run.barcodes, forms=run.forms,
                   reader=run.reader, priority=run.priority)


@dataclass
class Timer:
    """Milliseconds spent in each named stage of one item; a stage run twice adds up."""

    ms: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = round(self.ms.get(name, 0.0) + (time.perf_counter() - start) * 1000, 2)
