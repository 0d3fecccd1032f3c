"""Thresholds, each with the rule or measurement it comes from: the single source of truth.

A *profile* is a named, versioned set of thresholds. Every result records the profile it was judged
under, so a verdict can be reproduced later with exactly the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


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
    min_axis_sharpness: Threshold = Threshold(
        70.0,
        "the weaker axis's 95th percentile second derivative on ink edges at 150 dpi per 100 grey levels (a sheet "
        "moving in the feeder smears one axis only, which the Laplacian hides); tuned on generated 300-dpi forms "
        "(bench/quality_sweep.py): sharp 453, Gaussian sigma 2.0 101-102, sigma 2.5 56-58; motion over 5 px "
        "(0.4 mm) 122-165, 7 px 68-79, 9 px 50-60, 11 px 41-76, 15 px and more under 36; reported on "
        "independent pages by bench/bench_quality.py",
    )
    max_edge_width_mm: Threshold = Threshold(
        0.47,
        "what blur adds to the width of the steepest ink edges along the blurrier axis, in mm on paper (contrast "
        "over the 99th percentile gradient, less a sharp edge's 2 px in quadrature), which unlike the sharpness "
        "measures does not grow with the type's size; tuned on generated forms at 200, 240 and 300 dpi "
        "(bench/quality_sweep.py): sharp 0.09-0.21 mm, Gaussian blur of 0.17 mm (sigma 2.0 px at 300 dpi) "
        "0.46-0.54, of 0.21 mm (sigma 2.5) 0.56-0.66, a clean 150-dpi scan 0.21-0.33. The limit sits a sixth under "
        "the lowest 0.21-mm reading, as one blur measures up to a sixth apart across forms and resolutions (was "
        "0.53, a twentieth under it)",
    )
    min_brightness: Threshold = Threshold(
        100, "median grey below 100/255 (paper at under 40% of white): too dark to read ink; was 70, tuned on the "
        "training generator's darkened page (54), and let independent pages at 75-90 through. Real images "
        "(../shared/data/mrz): the one photographed in dim light 77, every other 110 or more"
    )
    max_dark_clip: Threshold = Threshold(0.60, "over 60% of pixels at or under grey 16: crushed blacks")
    min_ink_darkness: Threshold = Threshold(
        90, "overexposed: the darkest 1% of pixels is lighter than grey 90 although ink is present"
    )
    min_contrast: Threshold = Threshold(60, "grey levels 0.1st to 99th percentile span under 60/255")
    max_skew_deg: Threshold = Threshold(2.0, "svs contract: page.skewed over 2 degrees")
    min_ink_coverage: Threshold = Threshold(
        0.002, "under 0.2% of the page inked: blank sheet or back side (a sparse form is about 3%)"
    )
    min_faint_ink_share: Threshold = Threshold(
        0.6,
        "a page with too little ink for min_ink_coverage is page.low_contrast, not page.blank, where of its pixels "
        "6 grey levels or more under the paper at least 60% are 10 or more under: sharp faint text is dark "
        "through, a back's show-through (blurred, mirrored) fades out over its width. Tuned on the training "
        "generator's forms (bench/bench_quality.py tuning set): a flat scan's text 0.8, show-through 0.26-0.39; "
        "reported on independent pages",
    )
    max_lid_band: Threshold = Threshold(
        0.05,
        "over 5% of the page's height (or width) along one side shows the scanner's lid, not paper: an even band "
        "from the edge inwards, lighter or darker than the paper by 8 levels or more: the page slid on the glass "
        "(its other side is cut, perhaps in a margin where no ink runs off). A scanner's own black border is a few "
        "mm: well under 5%",
    )
    max_edge_ink: Threshold = Threshold(
        0.04,
        "over 4% of the outer 1% band of a side inked (solid scanner borders excluded): content runs off the "
        "edge; measured on generated forms: clean 0, rotated 10 degrees 0.02, shifted 12% off the glass 0.07-0.13",
    )


@dataclass(frozen=True)
class PhotoThresholds:
    """One photo profile. Ranges are inclusive; a measure outside its range fails with the reason named in
    ``svs.photo.rules``. Where a rule gives no number, the number comes from measurements on real portraits
    (``bench/bench_photo.py``) and says so."""

    name: str = "uk-printed"
    description: str = "UK printed passport photo, 35 x 45 mm, scanned by the operator"
    max_faces: Threshold = Threshold(1, "ICAO 9303 part 3 / UK rules: the photo shows one person only")
    min_face_confidence: Threshold = Threshold(0.90, "MTCNN output-net score accepted as a face")
    min_face_share: Threshold = Threshold(
        0.01, "a detected face smaller than 1% of the photo area is a face in the background, not the subject"
    )
    # resolution: a printed photo is judged by the dpi it was scanned at, a digital one by its pixels
    min_scan_dpi: Threshold = Threshold(
        280, "ICAO 9303 part 3 recommends scanning printed photos at 300 dpi or more; 280 leaves room for the crop"
    )
    min_width_px: Threshold = Threshold(0, "printed photos: judged by scan dpi, not pixel count")
    min_height_px: Threshold = Threshold(0, "printed photos: judged by scan dpi, not pixel count")
    min_eye_distance_px: Threshold = Threshold(
        60, "ISO/IEC 19794-5 token image: at least 60 pixels between the eye centres"
    )
    aspect_ratio: Threshold = Threshold(35 / 45, "UK and ICAO printed photos: 35 mm wide by 45 mm high")
    aspect_tolerance: Threshold = Threshold(
        0.04, "width:height within 4% of 35:45, allowing for the operator's crop of a scanned print"
    )
    # geometry
    min_head_share: Threshold = Threshold(
        29 / 45, "UK printed photo rules: crown to chin 29 to 34 mm of the 45 mm height (64.4%)"
    )
    max_head_share: Threshold = Threshold(
        34 / 45, "UK printed photo rules: crown to chin 29 to 34 mm of the 45 mm height (75.6%)"
    )
    max_centre_offset: Threshold = Threshold(
        0.06, "ISO/IEC 19794-5 full frontal: face midpoint between 45% and 55% of the width, widened to 6% for "
        "landmark noise"
    )
    min_eye_line: Threshold = Threshold(
        0.36, "ISO/IEC 19794-5 full frontal asks the eye line 50% to 70% up from the bottom, but with a head of "
        "64-76% of the height (hair included) real portraits have their eyes 40-51% up: 36% is the floor"
    )
    max_eye_line: Threshold = Threshold(
        0.70, "ISO/IEC 19794-5 full frontal: eye line 50% to 70% of the height, measured from the bottom"
    )
    min_crown_margin: Threshold = Threshold(
        0.01, "UK rules: the whole head is in the photo; the crown may not touch the top edge"
    )
    max_roll_deg: Threshold = Threshold(8, "ISO/IEC 19794-5 pose: roll within 8 degrees")
    max_yaw_deg: Threshold = Threshold(
        20, "ISO/IEC 19794-5 pose asks 5 degrees; five landmarks read real frontal portraits at up to 17, so 20 "
        "is the strictest limit that does not fail them (a profile reads 60-90)"
    )
    min_pitch_ratio: Threshold = Threshold(
        0.42, "nose at 42% to 82% of the way from the eye line to the mouth: frontal real portraits 0.54-0.71"
    )
    max_pitch_ratio: Threshold = Threshold(
        0.82, "nose at 42% to 82% of the way from the eye line to the mouth: frontal real portraits 0.54-0.71"
    )
    # appearance
    min_background_lightness: Threshold = Threshold(
        150, "UK rules: a plain cream or light grey background; median L* (0-255 scale) of the background"
    )
    max_background_spread: Threshold = Threshold(
        18.0, "UK rules: plain background, no patterns or objects; 90th percentile colour distance (CIE76, "
        "0-255 scale) from the background's median colour; measured (bench/bench_photo.py)"
    )
    max_background_texture: Threshold = Threshold(
        6.0, "UK rules: plain background, no patterns or objects; mean gradient on the background after a "
        "light blur; measured (bench/bench_photo.py)"
    )
    max_background_shadow: Threshold = Threshold(
        55.0, "UK rules: no shadows behind the head; L* (0-255) spread of the smooth backdrop beside the face, "
        "5th to 95th percentile; measured (bench/bench_photo.py): clean framings up to 48, a head's shadow of 30% "
        "depth or more 65 and up"
    )
    min_highlight: Threshold = Threshold(
        170, "UK rules: not too dark. Judged by the brightest 1% of the photo above the chin, not by skin tone: a "
        "compliant photo has a light background (clean framings 209-238), an underexposed one has nothing light"
    )
    min_face_lightness: Threshold = Threshold(
        45, "UK rules: not too dark; median L* (0-255) of the face below 45 shows no detail whatever the skin tone"
    )
    max_face_lightness: Threshold = Threshold(
        235, "UK rules: not too bright; median L* of the face (0-255); clean framings 184-218"
    )
    max_face_clipped: Threshold = Threshold(
        0.08, "UK rules: no washed-out skin; share of face pixels at L* 250 or above"
    )
    max_photo_clipped: Threshold = Threshold(
        0.6, "UK rules: not too bright; measured only where no face is found (a blown-out face is not detected): "
        "share of the whole photo at L* 250 or above; a compliant photo's light background and face leave most "
        "of it below 250"
    )
    max_lighting_difference: Threshold = Threshold(
        52.0, "UK rules: even light, no shadows on the face; L* (0-255) difference between the lit skin of the two "
        "cheeks; real studio portraits measure up to 48 (bench/bench_photo.py)"
    )
    min_face_sharpness: Threshold = Threshold(
        0.075, "UK rules: clear and in focus; face resampled to 64 px between the eyes, 95th percentile Laplacian "
        "over the face's contrast; measured (bench/bench_photo.py): clean framings 0.15 and up, Gaussian blur of "
        "3.5 px or more at 300 dpi 0.04 and under"
    )
    min_colour: Threshold = Threshold(
        4.0, "UK rules: colour photos only; mean chroma of the face and background (CIE a*b*, 0-255 scale)"
    )


#: UK printed photos (scanned), UK digital photos, ICAO generic: one source for each profile's numbers.
UK_PRINTED = PhotoThresholds()
UK_DIGITAL = replace(
    UK_PRINTED, name="uk-digital", description="UK digital passport photo (online application)",
    min_scan_dpi=Threshold(0, "digital photos: judged by pixels, not dpi"),
    min_width_px=Threshold(600, "UK digital photo rules: at least 600 pixels wide"),
    min_height_px=Threshold(750, "UK digital photo rules: at least 750 pixels tall"),
    aspect_ratio=Threshold(4 / 5, "UK digital photos: 600 x 750 pixels and larger in proportion (4:5)"),
    aspect_tolerance=Threshold(0.05, "UK digital photos: 4:5 within 5%"),
)
ICAO_GENERIC = replace(
    UK_PRINTED, name="icao", description="ICAO 9303 part 3 / ISO/IEC 19794-5 generic portrait",
    min_scan_dpi=Threshold(0, "judged by eye distance"),
    min_eye_distance_px=Threshold(90, "ICAO portrait quality guidance: at least 90 pixels between the eye centres"),
    min_head_share=Threshold(0.70, "ICAO 9303 part 3 guidance: chin to crown 70% to 80% of the height"),
    max_head_share=Threshold(0.80, "ICAO 9303 part 3 guidance: chin to crown 70% to 80% of the height"),
    aspect_tolerance=Threshold(0.05, "ICAO: 35:45 within 5% (3:4 allowed)"),
)
PHOTO_PROFILES: dict[str, PhotoThresholds] = {p.name: p for p in (UK_PRINTED, UK_DIGITAL, ICAO_GENERIC)}


@dataclass(frozen=True)
class FormThresholds:
    min_field_confidence: Threshold = Threshold(
        0.98, "form.field_unreadable: a field is read only where its reading has at least this probability "
              "against the other readings of the writing (svs/forms/icr.py); set on the training generator as the "
              "lowest floor with at most 0.2% of single boxes and of whole fields wrong over it (bench/bench_icr.py "
              "--tune --cells 16000, model icr-cnn-2 width 24 at temperature 0.80: 0.19% of 16,000 boxes and 0.15% "
              "of 4,000 fields wrong over it; 0.97 lets 0.23% of fields through), reported on held-out "
              "hand-printing (BENCHMARKS.md)")
    min_cell_ink: Threshold = Threshold(
        0.006, "a character box with under 0.6% of its inside inked (80 grey levels under the paper, border taken "
               "away) is empty: a hand-printed full stop covers about 1%, a typed hyphen or apostrophe 1.3-1.5% "
               "(bench/bench_forms.py), sensor noise and specks stay under 0.5%")


@dataclass(frozen=True)
class Profile:
    name: str = "uk-2026.1"
    page: PageThresholds = field(default_factory=PageThresholds)
    photo: PhotoThresholds = field(default_factory=PhotoThresholds)
    form: FormThresholds = field(default_factory=FormThresholds)


DEFAULT_PROFILE = Profile()
#: Every threshold profile by name: a submitted batch names its profile, and each worker finds it here.
PROFILES: dict[str, Profile] = {p.name: p for p in (DEFAULT_PROFILE,)}
