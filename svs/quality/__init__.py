"""Page-quality checks with OpenCV: pure functions from a greyscale image to measures and reason codes.

Everything here runs on the half-resolution greyscale decode (about 150 dpi for a 300-dpi scan), resampled to
a fixed working resolution so that sharpness and ink measures mean the same at every scan resolution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from svs.schema import QualityResult
from svs.thresholds import DEFAULT_PROFILE, PageThresholds

#: Working resolution of the measures, dots per inch.
WORK_DPI = 150.0
#: Resolution of the skew estimate: enough to see text lines, small enough to be cheap.
SKEW_DPI = 75.0
A4_ASPECT = 297.0 / 210.0
MM_PER_INCH = 25.4
A4_SHORT_IN = 210.0 / MM_PER_INCH


@dataclass(frozen=True)
class QualityInput:
    grey: np.ndarray  # greyscale pixels, any resolution
    scale: float  # grey pixels per original pixel (0.5 for the half-resolution decode)
    dpi: float | None  # resolution of the original from its metadata


def effective_dpi(width: int, height: int, dpi: float | None, assumed: float) -> tuple[float, str]:
    """Resolution of the original scan and where it came from (metadata, A4 geometry, or assumed)."""
    if dpi:
        return float(dpi), "metadata"
    short, long_ = sorted((width, height))
    if short and abs(long_ / short - A4_ASPECT) < 0.03:
        return short / A4_SHORT_IN, "a4_geometry"
    return assumed, "assumed"


def _resize_to(grey: np.ndarray, factor: float) -> np.ndarray:
    if abs(factor - 1.0) < 0.02:
        return grey
    w = max(8, round(grey.shape[1] * factor))
    h = max(8, round(grey.shape[0] * factor))
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return cv2.resize(grey, (w, h), interpolation=interp)


def _profile_score(ys: np.ndarray, xs: np.ndarray, angle_deg: float) -> float:
    """Sharpness of the row profile after shearing the ink by *angle_deg*: highest when text lines are level."""
    shifted = ys + xs * math.tan(math.radians(angle_deg))
    rows = np.bincount((shifted - shifted.min()).astype(np.int32))
    return float(np.dot(rows, rows))


def estimate_skew(ink: np.ndarray, max_deg: float = 20.0) -> float | None:
    """Skew in degrees (positive: the page is turned counter-clockwise) from a binary ink image.

    Projection profiles: text lines and form rules give the sharpest row profile when they are level. The ink
    pixels' coordinates are sheared rather than the image rotated, coarse steps first, then fine, then a
    parabola through the best three. None when there is too little ink to tell.
    """
    rows, cols = np.nonzero(ink)
    if rows.size < 200:
        return None
    step = max(1, rows.size // 8000)  # a regular sample of the ink is as good as all of it, and cheaper
    ys = rows[::step].astype(np.float32)
    xs = cols[::step].astype(np.float32) - float(ink.shape[1]) / 2
    coarse = np.arange(-max_deg, max_deg + 0.01, 1.0)
    best = float(coarse[int(np.argmax([_profile_score(ys, xs, a) for a in coarse]))])
    fine = np.arange(best - 1.0, best + 1.01, 0.05)
    scores = [_profile_score(ys, xs, a) for a in fine]
    i = int(np.argmax(scores))
    angle = float(fine[i])
    if 0 < i < len(fine) - 1:
        s0, s1, s2 = scores[i - 1], scores[i], scores[i + 1]
        denom = s0 - 2 * s1 + s2
        if denom < 0:
            angle += 0.05 * 0.5 * (s0 - s2) / denom
    return round(angle, 2)


def measure(inp: QualityInput, width: int, height: int, t: PageThresholds = DEFAULT_PROFILE.page) -> QualityResult:
    """Measure one page and judge it against the page thresholds."""
    dpi, dpi_source = effective_dpi(width, height, inp.dpi, t.assumed_dpi.value)
    grey_dpi = dpi * inp.scale
    work = _resize_to(inp.grey, WORK_DPI / grey_dpi) if grey_dpi > WORK_DPI else inp.grey

    hist = cv2.calcHist([work], [0], None, [256], [0, 256]).ravel()
    total = float(hist.sum())
    cdf = np.cumsum(hist) / total
    p01 = int(np.searchsorted(cdf, 0.001))
    p1 = int(np.searchsorted(cdf, 0.01))
    p50 = int(np.searchsorted(cdf, 0.50))
    p99 = int(np.searchsorted(cdf, 0.99))
    dark_clip = float(hist[:17].sum() / total)
    bright_clip = float(hist[250:].sum() / total)
    contrast = p99 - p01  # the darkest 0.1%: a sparse page's ink still counts

    # ink: clearly darker than the paper, relative to this page's own range (a faint scan still has ink)
    ink_level = max(0, p50 - max(20, round(0.35 * (p50 - p1))))
    ink_coverage = float(hist[:ink_level].sum() / total)

    _, ink = cv2.threshold(work, ink_level, 255, cv2.THRESH_BINARY_INV)

    # Sharpness: the strongest edges' Laplacian response, relative to the page's ink contrast, at WORK_DPI.
    # Each axis's second derivative alone as well: a sheet that moved in the feeder smears edges along one axis
    # only, which the Laplacian (their sum) hides behind the other axis's sharp edges.
    axis_sharpness: float | None = None
    edge_width_mm: float | None = None
    if ink_coverage > 0.0005 and contrast >= t.min_contrast.value:
        near_ink = cv2.dilate(ink, np.ones((3, 3), np.uint8)) > 0
        lap = np.abs(cv2.Laplacian(work, cv2.CV_16S, ksize=3))
        sharpness = _edge_strength(lap, near_ink, contrast)
        axis_sharpness = min(_edge_strength(np.abs(cv2.Sobel(work, cv2.CV_16S, 2, 0, ksize=3)), near_ink, contrast),
                             _edge_strength(np.abs(cv2.Sobel(work, cv2.CV_16S, 0, 2, ksize=3)), near_ink, contrast))
        width_px = _edge_width(work, contrast)
        # what the blur adds to the width a sharp edge has at this resolution, in mm on paper
        edge_width_mm = math.sqrt(max(0.0, width_px**2 - SHARP_EDGE_PX**2)) / min(grey_dpi, WORK_DPI) * MM_PER_INCH
    else:
        sharpness = None

    small = _resize_to(ink, SKEW_DPI / min(grey_dpi, WORK_DPI))
    _, small = cv2.threshold(small, 127, 255, cv2.THRESH_BINARY)
    skew = estimate_skew(small) if ink_coverage > 0.0005 else None

    edge_ink = _edge_ink(ink)
    lid = _lid_bands(work, p50)

    reasons: list[str] = []
    # a page whose ink is all within 20 levels of the paper has none at ink_level: faint text, or a back side
    faint = float(hist[: max(0, p50 - FAINT_LEVELS[0])].sum() / total)
    fainter = float(hist[: max(0, p50 - FAINT_LEVELS[1])].sum() / total)
    faint_share = fainter / faint if faint > 0 else 0.0
    little_ink = ink_coverage < t.min_ink_coverage.value
    faint_text = little_ink and fainter >= t.min_ink_coverage.value and faint_share >= t.min_faint_ink_share.value
    blank = little_ink and not faint_text
    # washed out: the paper is clipped to white and even the darkest ink is light grey
    overexposed = p50 >= 254 and p1 >= t.min_ink_darkness.value
    too_dark = p50 < t.min_brightness.value or dark_clip > t.max_dark_clip.value
    if dpi < t.min_dpi.value:
        reasons.append("page.low_resolution")
    if too_dark:
        reasons.append("page.too_dark")
    if overexposed:
        reasons.append("page.overexposed")
    elif blank and not too_dark:
        reasons.append("page.blank")
    if (contrast < t.min_contrast.value or faint_text) and not blank and not too_dark and not overexposed:
        reasons.append("page.low_contrast")
    if not overexposed and ((sharpness is not None and sharpness < t.min_sharpness.value)
                            or (axis_sharpness is not None and axis_sharpness < t.min_axis_sharpness.value)
                            or (edge_width_mm is not None and edge_width_mm > t.max_edge_width_mm.value)):
        reasons.append("page.blurred")
    if skew is not None and abs(skew) > t.max_skew_deg.value:
        reasons.append("page.skewed")
    if not blank and (max(edge_ink.values()) > t.max_edge_ink.value or max(lid.values()) > t.max_lid_band.value):
        reasons.append("page.cropped")

    measures: dict[str, float | None] = {
        "dpi": round(dpi, 1),
        "dpi_from_metadata": 1.0 if dpi_source == "metadata" else 0.0,
        "brightness": float(p50),
        "dark_clip": round(dark_clip, 4),
        "bright_clip": round(bright_clip, 4),
        "contrast": float(contrast),
        "darkest_1pct": float(p1),
        "ink_coverage": round(ink_coverage, 5),
        "faint_ink_share": round(faint_share, 3),
        "sharpness": None if sharpness is None else round(sharpness, 2),
        "axis_sharpness": None if axis_sharpness is None else round(axis_sharpness, 2),
        "edge_width_mm": None if edge_width_mm is None else round(edge_width_mm, 3),
        "skew_deg": skew,
        "edge_ink": round(max(edge_ink.values()), 4),
        **{f"edge_ink_{side}": round(v, 4) for side, v in edge_ink.items()},
        "lid_band": round(max(lid.values()), 4),
    }
    thresholds = {
        "min_dpi": t.min_dpi.value,
        "min_sharpness": t.min_sharpness.value,
        "min_axis_sharpness": t.min_axis_sharpness.value,
        "max_edge_width_mm": t.max_edge_width_mm.value,
        "min_brightness": t.min_brightness.value,
        "min_contrast": t.min_contrast.value,
        "max_skew_deg": t.max_skew_deg.value,
        "min_ink_coverage": t.min_ink_coverage.value,
        "min_faint_ink_share": t.min_faint_ink_share.value,
        "max_edge_ink": t.max_edge_ink.value,
        "max_lid_band": t.max_lid_band.value,
    }
    return QualityResult(ok=not reasons, reasons=reasons, measures=measures, thresholds=thresholds)


#: Grey levels under the paper's median at which faint ink is counted, and at which it is counted as dark
#: through (min_faint_ink_share): JPEG and sensor noise on blank paper stay within 5 levels.
FAINT_LEVELS = (6, 10)


def _edge_strength(response: np.ndarray, near_ink: np.ndarray, contrast: int) -> float:
    """The 95th percentile of an edge response near ink, per 100 grey levels of the page's contrast."""
    vals = response[near_ink]
    top = float(np.percentile(vals, 95)) if vals.size else 0.0
    return top * 100.0 / max(contrast, 1)


#: The width _edge_width gives a perfectly sharp edge, in pixels (the decode and the 3 x 3 gradient spread it):
#: 2.0-2.1 on clean pages at 75, 100 and 150 dpi.
SHARP_EDGE_PX = 2.0


def _edge_width(work: np.ndarray, contrast: int) -> float:
    """How wide the steepest ink edges are, in pixels, along the blurrier axis: the page's contrast over the
    99th percentile of the gradient (a step blurred by a Gaussian of sigma s rises at most contrast / (2.5 s)
    per pixel). Unlike the second derivative, this does not grow with the print's size: large type blurred
    as much as small type measures as blurred."""
    widths = []
    for dx, dy in ((1, 0), (0, 1)):
        grad = np.abs(cv2.Sobel(work, cv2.CV_32F, dx, dy, ksize=3)) / 8.0  # grey levels per pixel
        steep = grad[grad > 0.05 * contrast]
        widths.append(contrast / float(np.percentile(steep, 99)) if steep.size else 0.0)
    return max(widths)


def _edge_ink(ink: np.ndarray) -> dict[str, float]:
    """Share of ink in a thin band along each side, ignoring solid scanner-lid borders and shadows.

    A page cut by the scan edge has text and rules running into the border; a page with margins has none.
    Rows or columns that are almost entirely dark are the scanner's background, not content, and are skipped.
    """
    h, w = ink.shape
    band = max(2, round(min(h, w) * 0.01))
    out: dict[str, float] = {}
    for side, strip in (
        ("top", ink[:band, :]),
        ("bottom", ink[h - band :, :]),
        ("left", ink[:, :band].T),
        ("right", ink[:, w - band :].T),
    ):
        rows = strip > 0
        fill = rows.mean(axis=1)
        keep = rows[fill < 0.8]
        out[side] = float(keep.mean()) if keep.size else 0.0
    return out


#: A row of the lid is even: its grey levels' spread stays under this (a scanner's noise), and it differs from the
#: paper's median by at least LID_STEP levels (a white lid over cream or grey paper, or a black one).
LID_EVEN_STD = 4.0
LID_STEP = 8


#: The side opposite a lid band must show (almost) none: a page that slid shows the lid on one side only, while a
#: card or a page photographed on a desk shows the desk all round.
LID_OPPOSITE_MAX = 0.02
OPPOSITE = {"top": "bottom", "bottom": "top", "left": "right", "right": "left"}


def _lid_bands(work: np.ndarray, paper: int) -> dict[str, float]:
    """For each side, the share of the page's height or width that an even band unlike the paper covers, from
    that side inwards, where the opposite side shows none: the scanner's lid showing where the page slid off the
    glass (0 for a side whose opposite shows background too)."""
    h, w = work.shape
    rows = work.astype(np.float32)
    out: dict[str, float] = {}
    for side, lines, length in (("top", rows, h), ("bottom", rows[::-1], h), ("left", rows.T, w),
                                ("right", rows.T[::-1], w)):
        means, stds = lines.mean(axis=1), lines.std(axis=1)
        lid = (stds <= LID_EVEN_STD) & (np.abs(means - paper) >= LID_STEP) & (np.abs(means - means[0]) <= LID_STEP)
        band = int(np.argmin(lid)) if not lid.all() else len(lid)
        out[side] = band / length
    return {side: v if out[OPPOSITE[side]] <= LID_OPPOSITE_MAX else 0.0 for side, v in out.items()}


def deskew(grey: np.ndarray, angle_deg: float | None) -> np.ndarray:
    """Rotate a page so its text lines are horizontal; white fill outside the original."""
    if angle_deg is None or abs(angle_deg) < 0.1:
        return grey
    h, w = grey.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -angle_deg, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(grey, matrix, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=255)
