#!/usr/bin/env python3
"""Fit the temperature of svs's boxed-character recogniser and store it in the model file.

    .venv/bin/python models/calibrate.py [models/icr-cnn.npz] [--cells 20000] [--seed 424242]

A network trained with label smoothing (``models/torch_train.py``) never gives its best class much more than
0.98, however plain the character: a field of ten such boxes could never reach a confidence floor of 0.95, and
every form would go to a person. Dividing the logits by a temperature T under 1 sharpens them; T is the one that
makes the probabilities honest (the least negative log-likelihood) on cells of the training generator
(``models/train_icr.py``) rendered from a seed no training used. Nothing of the evaluation data
(``bench/handprint_eval.py``, the held-out fonts, scikit-learn's digits) is used. ``models/train_icr.py`` fits it
on its own held-out cells after training; this script fits it again for a model already made.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "models"))

from svs.cnn import CellNet  # noqa: E402

#: Temperatures tried, from sharper (under 1) to softer.
GRID = np.round(np.arange(0.30, 2.001, 0.01), 2)


def nll(logits: np.ndarray, labels: np.ndarray, t: float) -> float:
    """Mean negative log-likelihood of *labels* under softmax(*logits* / *t*)."""
    z = logits / t
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(labels)), labels].mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature of GRID with the least negative log-likelihood of *labels*."""
    return float(min(GRID, key=lambda t: nll(logits, labels, float(t))))


def store(path: Path, temperature: float) -> str:
    """Write *temperature* into the model file at *path* (its weights kept) and note it in its version."""
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    version = str(arrays["version"]).split(" t")[0] + f" t{temperature:.2f}"
    arrays.update(temperature=np.array(temperature, np.float32), version=np.array(version))
    np.savez_compressed(path, **arrays)
    return version


def main() -> None:
    import train_icr

    ap = argparse.ArgumentParser()
    ap.add_argument("model", type=Path, nargs="?", default=ROOT / "models" / "icr-cnn.npz")
    ap.add_argument("--cells", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=424242)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    x, y = train_icr.sample_parallel(args.seed, args.cells, args.workers)
    logits = CellNet(args.model).logits(x)
    t = fit_temperature(logits, y)
    print(f"temperature {t:.2f}: negative log-likelihood {nll(logits, y, 1.0):.4f} at 1, {nll(logits, y, t):.4f} "
          f"at {t:.2f} ({len(y)} cells of the training generator, seed {args.seed})")
    print(f"wrote {args.model}: {store(args.model, t)}")


if __name__ == "__main__":
    main()
