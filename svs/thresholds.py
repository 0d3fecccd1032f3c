"""Thresholds, each with the rule or measurement it comes from: the single source of truth.

A *profile* is a named, versioned set of thresholds. Every result records the profile it was judged
under, so a verdict can be reproduced later with exactly the same numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Threshold:
    value: float
    source: str


@dataclass(frozen=True)
class PageThresholds:
    min_dpi: Threshold = Threshold(200, "svs contract: page.low_resolution under 200 dpi")
    assumed_dpi: Threshold = Threshold(
        300, "no dpi in the file: assume the operators' standard 300 dpi scanner setting"
    )
    min_sharpness: Threshold = Threshold(
        100.0,
        "95th percentile Laplacian on ink edges at 150 dpi per 100 grey levels of contrast; measured on "
        "generated 300-dpi forms (bench/quality_sweep.py): sharp 456-494, Gaussian blur sigma 1.2 230-248, "
        "sigma 2.0 116-118, sigma 2.5 75-78",
    )
    min_brightness: Threshold = Threshold(70, "median paper grey level below 70/255: too dark to read ink")
    max_dark_clip: Threshold = Threshold(0.60, "over 60% of pixels at or under grey 16: crushed blacks")
    max_bright_clip: Threshold = Threshold(
        0.35, "over 35% of ink-bearing pixels washed out to white (grey >= 250) with faint ink"
    )
    min_ink_darkness: Threshold = Threshold(
        90, "overexposed: the darkest 1% of pixels is lighter than grey 90 although ink is present"
    )
    min_contrast: Threshold = Threshold(60, "grey levels 0.1st to 99th percentile span under 60/255")
    max_skew_deg: Threshold = Threshold(2.0, "svs contract: page.skewed over 2 degrees")
    min_ink_coverage: Threshold = Threshold(
        0.002, "under 0.2% of the page inked: blank sheet or back side (a sparse form is about 3%)"
    )
    max_edge_ink: Threshold = Threshold(
        0.04,
        "over 4% of the outer 1% band of a side inked (solid scanner borders excluded): content runs off the "
        "edge; measured on generated forms: clean 0, rotated 10 degrees 0.02, shifted 12% off the glass 0.07-0.13",
    )


@dataclass(frozen=True)
class PhotoThresholds:
    max_faces: Threshold = Threshold(1, "ICAO 9303 part 3 / UK rules: the photo shows one person only")
    min_face_confidence: Threshold = Threshold(0.90, "MTCNN output-net score accepted as a face")
    min_face_share: Threshold = Threshold(
        0.04, "a detected face smaller than 4% of the photo area is a face in the background"
    )


@dataclass(frozen=True)
class DoctypeThresholds:
    max_photo_mm: Threshold = Threshold(
        70, "passport photos are 35 x 45 mm (UK, ICAO); an item under 70 mm on its long side is a photo"
    )


@dataclass(frozen=True)
class Profile:
    name: str = "uk-2026.1"
    page: PageThresholds = field(default_factory=PageThresholds)
    photo: PhotoThresholds = field(default_factory=PhotoThresholds)
    doctype: DoctypeThresholds = field(default_factory=DoctypeThresholds)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_PROFILE = Profile()
