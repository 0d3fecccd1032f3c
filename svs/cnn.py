"""The small convolutional network svs's own recognisers run (the MRZ's OCR-B cells, the form's hand-printed
boxes), in numpy: each convolution one matrix product for a batch of cells. Training is PyTorch's, offline
(``models/train_*.py``); nothing here needs it."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

#: Cells go through the network this many at a time, so that a batch's intermediate arrays (the second layer's
#: columns take 25 KB a cell) stay near a core's cache: on a 2-core EPYC with 1 MiB of L2 per core, 104 cells
#: alone took two to three times as long at once as in batches of 26 to 52, and whole reads 2 to 4% less time
#: in batches of 32 (16: no better; measured with the 8-channel model of before 2026-12-02).
BATCH = 32


def _conv3x3_relu(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """3 x 3 convolution with zero padding, then ReLU, channels last: (N, H, W, C) -> (N, H, W, O); *w* is
    (9 * C, O), rows in (kernel row, kernel column, channel) order. One matrix product for the whole batch."""
    n, h, wd, c = x.shape
    xp = np.zeros((n, h + 2, wd + 2, c), np.float32)
    xp[:, 1:-1, 1:-1] = x
    cols = np.concatenate([xp[:, i : i + h, j : j + wd, :] for i in range(3) for j in range(3)], axis=3)
    out = cols.reshape(n * h * wd, 9 * c) @ w + b
    return np.maximum(out, 0.0, out=out).reshape(n, h, wd, w.shape[1])


def _conv3x3_relu_pool_planar(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """3 x 3 convolution with zero padding, ReLU and 2 x 2 max pooling, for cells laid out channels first:
    (C, N, H, W) -> (O, N, H / 2, W / 2); *w* as for :func:`_conv3x3_relu`.

    All cells are flattened, channel by channel, into one row, each pixel row of a cell followed by one zero
    (its last pixel's right neighbour and the next pixel row's first pixel's left) and each cell by one row of
    zeros (below it and above the next), with zeros at both ends: every shift of the 3 x 3 kernel is then one
    contiguous slice of that row, so the columns are nine block copies and the convolution one matrix product,
    computed on the zeros too and cut away. Channels last, the copies move a few floats at a time: the first
    two layers took about 1.5 times as long. The ReLU runs on the pooled values only (taking a maximum and
    cutting at zero commute)."""
    c, n, h, wd = x.shape
    pitch, rows = wd + 1, h + 1
    size = n * rows * pitch
    margin = pitch + 1
    row = np.zeros((c, size + 2 * margin), np.float32)
    row[:, margin : margin + size].reshape(c, n, rows, pitch)[:, :, :h, :wd] = x
    cols = np.empty((9, c, size), np.float32)
    for k, (i, j) in enumerate(itertools.product(range(3), range(3))):
        start = margin + (i - 1) * pitch + (j - 1)
        cols[k] = row[:, start : start + size]
    # w's rows are in (kernel row, kernel column, channel) order, as cols' are
    out = (w.T @ cols.reshape(9 * c, size)).reshape(-1, n, rows, pitch)[:, :, :h, :wd]
    pooled = np.maximum(np.maximum(out[:, :, 0::2, 0::2], out[:, :, 0::2, 1::2]),
                        np.maximum(out[:, :, 1::2, 0::2], out[:, :, 1::2, 1::2]))
    pooled += b[:, None, None, None]
    return np.maximum(pooled, 0.0, out=pooled)


class CellNet:
    """The small convolutional network of svs's recognisers (conv-relu-pool x2, conv-relu, dense-relu, dense),
    trained with PyTorch (``models/train_ocrb.py``, ``models/train_icr.py``) and run here in numpy; weights from
    an ``.npz`` file. *shape*: a cell's height and width (each a multiple of 4); where the file stores its own
    ``shape``, that one."""

    def __init__(self, path: Path, shape: tuple[int, int] | None = None) -> None:
        with np.load(path) as z:
            # PyTorch's (out, in, 3, 3) kernels as (9 * in, out) matrices for channels-last convolution
            self.convs = [(np.ascontiguousarray(z[f"w{i}"].transpose(2, 3, 1, 0).reshape(-1, z[f"w{i}"].shape[0]),
                                                dtype=np.float32), z[f"b{i}"].astype(np.float32)) for i in range(3)]
            self.dense = [(np.ascontiguousarray(z[f"w{i}"].T, dtype=np.float32), z[f"b{i}"].astype(np.float32))
                          for i in (3, 4)]
            self.version = str(z["version"]) if "version" in z.files else path.name
            stored = tuple(int(v) for v in z["shape"]) if "shape" in z.files else None
            # the probabilities' temperature, fitted after training (models/calibrate.py); 1 where none is stored
            self.temperature = float(z["temperature"]) if "temperature" in z.files else 1.0
        if stored is None and shape is None:
            raise ValueError(f"{path.name}: the cell shape is neither stored nor given")
        self.shape: tuple[int, int] = (stored or shape)  # type: ignore[assignment]
        self.classes = len(self.dense[1][1])

    def proba(self, feats: np.ndarray) -> np.ndarray:
        """(n, classes) probabilities for (n, height * width) cell features: the softmax of the logits divided by
        the model's temperature."""
        logits = self.logits(feats)
        if self.temperature != 1.0:
            logits /= self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def logits(self, feats: np.ndarray) -> np.ndarray:
        """(n, classes) logits for (n, height * width) cell features, before the temperature."""
        if len(feats) > BATCH:
            return np.concatenate([self._logits(feats[i : i + BATCH]) for i in range(0, len(feats), BATCH)])
        return self._logits(feats)

    def _logits(self, feats: np.ndarray) -> np.ndarray:
        (c0, d0), (c1, d1), (c2, d2) = self.convs
        (f0, e0), (f1, e1) = self.dense
        x = feats.astype(np.float32, copy=False).reshape(1, -1, *self.shape)
        x = _conv3x3_relu_pool_planar(_conv3x3_relu_pool_planar(x, c0, d0), c1, d1)
        # channels last for the last convolution (no pooling, few positions: the plain matrix form is as fast)
        flat = _conv3x3_relu(x.transpose(1, 2, 3, 0), c2, d2).transpose(0, 3, 1, 2).reshape(len(feats), -1)
        hidden = np.maximum(flat @ f0 + e0, 0.0)
        logits: np.ndarray = hidden @ f1 + e1
        return logits
