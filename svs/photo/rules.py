"""Measures against a profile's thresholds: which rule fails, with its reason code and a sentence for the operator.

One table (``RULES``) says which measure each threshold judges and which reason code a failure carries; the
numbers themselves live in ``svs.thresholds``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from svs.schema import PhotoFailure
from svs.thresholds import PhotoThresholds, Threshold

Measures = dict[str, float | None]


@dataclass(frozen=True)
class Rule:
    reason: str
    measure: str
    limit: Callable[[PhotoThresholds], Threshold]
    fails: Callable[[float, float], bool]  # (value, limit) -> failed
    text: str  # formatted with value and limit


def _below(v: float, lim: float) -> bool:
    return v < lim


def _above(v: float, lim: float) -> bool:
    return v > lim


def _abs_above(v: float, lim: float) -> bool:
    return abs(v) > lim


RULES: tuple[Rule, ...] = (
    Rule("photo.low_resolution", "width_px", lambda t: t.min_width_px, _below,
         "{value:.0f} pixels wide, at least {limit:.0f} needed"),
    Rule("photo.low_resolution", "height_px", lambda t: t.min_height_px, _below,
         "{value:.0f} pixels tall, at least {limit:.0f} needed"),
    Rule("photo.low_resolution", "scan_dpi", lambda t: t.min_scan_dpi, _below,
         "scanned at {value:.0f} dpi, at least {limit:.0f} needed"),
    Rule("photo.low_resolution", "eye_distance_px", lambda t: t.min_eye_distance_px, _below,
         "{value:.0f} pixels between the eyes, at least {limit:.0f} needed"),
    Rule("photo.head_too_small", "head_share", lambda t: t.min_head_share, _below,
         "chin to crown is {value:.0%} of the height, at least {limit:.0%} needed"),
    Rule("photo.head_too_large", "head_share", lambda t: t.max_head_share, _above,
         "chin to crown is {value:.0%} of the height, at most {limit:.0%} allowed"),
    Rule("photo.head_cut_off", "crown_margin", lambda t: t.min_crown_margin, _below,
         "the crown touches the top edge"),
    Rule("photo.head_off_centre", "centre_offset", lambda t: t.max_centre_offset, _abs_above,
         "the face is {value:+.0%} of the width off centre, at most {limit:.0%} allowed"),
    Rule("photo.head_off_centre", "eye_line", lambda t: t.min_eye_line, _below,
         "the eyes are {value:.0%} up from the bottom, at least {limit:.0%} needed"),
    Rule("photo.head_off_centre", "eye_line", lambda t: t.max_eye_line, _above,
         "the eyes are {value:.0%} up from the bottom, at most {limit:.0%} allowed"),
    Rule("photo.head_tilted", "roll_deg", lambda t: t.max_roll_deg, _abs_above,
         "the head is tilted {value:+.1f} degrees, at most {limit:.0f} allowed"),
    Rule("photo.not_facing_forward", "yaw_deg", lambda t: t.max_yaw_deg, _abs_above,
         "the head is turned about {value:+.0f} degrees, at most {limit:.0f} allowed"),
    Rule("photo.not_facing_forward", "pitch_ratio", lambda t: t.min_pitch_ratio, _below,
         "the head is tipped back (nose at {value:.2f} of the eye-to-mouth distance, at least {limit:.2f})"),
    Rule("photo.not_facing_forward", "pitch_ratio", lambda t: t.max_pitch_ratio, _above,
         "the head is tipped down (nose at {value:.2f} of the eye-to-mouth distance, at most {limit:.2f})"),
    Rule("photo.wrong_aspect_ratio", "aspect_error", lambda t: t.aspect_tolerance, _abs_above,
         "the width:height proportion is {value:+.0%} off the required one"),
    Rule("photo.background_not_plain", "background_lightness", lambda t: t.min_background_lightness, _below,
         "the background is too dark (lightness {value:.0f}, at least {limit:.0f})"),
    Rule("photo.background_not_plain", "background_spread", lambda t: t.max_background_spread, _above,
         "the background has several colours (spread {value:.0f}, at most {limit:.0f})"),
    Rule("photo.background_not_plain", "background_texture", lambda t: t.max_background_texture, _above,
         "the background has patterns or objects (texture {value:.1f}, at most {limit:.1f})"),
    Rule("photo.shadow_behind_head", "background_shadow", lambda t: t.max_background_shadow, _above,
         "the background beside the head is {value:.0f} levels darker, at most {limit:.0f} allowed"),
    Rule("photo.too_dark", "highlight", lambda t: t.min_highlight, _below,
         "the photo is underexposed: nothing in it is light (brightest {value:.0f}, at least {limit:.0f})"),
    Rule("photo.too_dark", "face_lightness", lambda t: t.min_face_lightness, _below,
         "the face is too dark to show detail (lightness {value:.0f}, at least {limit:.0f})"),
    Rule("photo.too_bright", "face_lightness", lambda t: t.max_face_lightness, _above,
         "the face is too bright (lightness {value:.0f}, at most {limit:.0f})"),
    Rule("photo.too_bright", "face_clipped", lambda t: t.max_face_clipped, _above,
         "{value:.0%} of the face is washed out to white, at most {limit:.0%} allowed"),
    Rule("photo.too_bright", "photo_clipped", lambda t: t.max_photo_clipped, _above,
         "{value:.0%} of the photo is washed out to white, at most {limit:.0%} allowed"),
    Rule("photo.uneven_lighting", "lighting_difference", lambda t: t.max_lighting_difference, _above,
         "one side of the face is {value:.0f} levels darker than the other, at most {limit:.0f} allowed"),
    Rule("photo.blurred", "face_sharpness", lambda t: t.min_face_sharpness, _below,
         "the face is not sharp (sharpness {value:.2f}, at least {limit:.2f})"),
    Rule("photo.not_colour", "colour", lambda t: t.min_colour, _below,
         "the photo is black and white (colour {value:.1f}, at least {limit:.1f})"),
)


def judge(measures: Measures, t: PhotoThresholds) -> list[PhotoFailure]:
    """Every rule whose measure is present, has a limit in this profile (a limit of 0 is not applied) and fails."""
    out: list[PhotoFailure] = []
    for rule in RULES:
        value = measures.get(rule.measure)
        limit = rule.limit(t)
        if value is None or limit.value == 0 or not rule.fails(value, limit.value):
            continue
        out.append(PhotoFailure(reason=rule.reason, measure=rule.measure, value=round(value, 4),
                                limit=round(limit.value, 4),
                                text=rule.text.format(value=value, limit=limit.value), rule=limit.source))
    return out


def reasons_of(failures: list[PhotoFailure]) -> list[str]:
    return list(dict.fromkeys(f.reason for f in failures))
