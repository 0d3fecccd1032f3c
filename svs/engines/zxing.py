"""zxing-cpp adapter: barcode reading (Code 128, QR, DataMatrix, PDF417) on greyscale images."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from svs.engines import package_version

NAME = "zxing-cpp"


@dataclass(frozen=True)
class Barcode:
    format: str
    text: str
    box: tuple[int, int, int, int]


def version() -> str:
    return package_version("zxing-cpp", "zxing-cpp")


def read(grey: np.ndarray) -> list[Barcode]:
    import zxingcpp

    formats = [
        zxingcpp.BarcodeFormat.Code128,
        zxingcpp.BarcodeFormat.QRCode,
        zxingcpp.BarcodeFormat.DataMatrix,
        zxingcpp.BarcodeFormat.PDF417,
    ]
    out = []
    for r in zxingcpp.read_barcodes(grey, formats=formats):  # type: ignore[arg-type]
        if not r.valid:
            continue
        pts = [r.position.top_left, r.position.top_right, r.position.bottom_right, r.position.bottom_left]
        xs, ys = [p.x for p in pts], [p.y for p in pts]
        out.append(Barcode(str(r.format).split(".")[-1], r.text, (min(xs), min(ys), max(xs) - min(xs),
                                                                    max(ys) - min(ys))))
    return out
