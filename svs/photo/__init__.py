"""Passport-photo compliance against ICAO 9303 and the UK photo rules.

``geometry`` (pose, crown, chin) and ``appearance`` (background, light, sharpness, colour) measure; ``rules``
judges the measures against a profile from ``svs.thresholds``; ``sheet`` finds printed photos on a scanned page;
``overlay`` draws what was measured for the operator.
"""

from svs.photo.check import check_photo, faces, measure

__all__ = ["check_photo", "faces", "measure"]
