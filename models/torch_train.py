"""What svs's recognisers' training scripts share (``models/train_ocrb.py``, ``models/train_icr.py``): the network
``svs.cnn.CellNet`` runs, built in PyTorch, its training loop on the CPU, and its weights as float32 arrays for the
numpy inference. PyTorch is imported here only: training only, never at run time."""

from __future__ import annotations

import time

import numpy as np


def build_net(width: int, shape: tuple[int, int], classes: int):  # type: ignore[no-untyped-def]
    """conv-relu-pool x2, conv-relu (width, 2 x width, 4 x width channels), dense-relu (128), dense (*classes*),
    over cells of *shape* (height, width; multiples of 4)."""
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(4 * width * (shape[0] // 4) * (shape[1] // 4), 128), nn.ReLU(),
        nn.Linear(128, classes))


def train(x: np.ndarray, y: np.ndarray, shape: tuple[int, int], classes: int, epochs: int, seed: int, width: int,
          contrast: bool = False, device: str = "cpu", batch_size: int = 256) -> dict[str, np.ndarray]:
    """Train the network on cells *x* (n, height * width) with labels *y*: AdamW, one-cycle learning rate, label
    smoothing 0.02, batches of *batch_size*, a pixel's shift (and with *contrast*, dimmer ink) on top of the
    rendered variety but for the last epoch, on *device* ("cpu", or "cuda" where a GPU is lent: the cells are
    moved there once). Returns the weights ``w0..w4``, ``b0..b4`` as float32 arrays."""
    import torch

    torch.manual_seed(seed)
    net = build_net(width, shape, classes).to(device)
    xt = torch.from_numpy(x.reshape(-1, 1, *shape)).to(device)
    yt = torch.from_numpy(y).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = epochs * ((len(yt) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3 * (batch_size / 256) ** 0.5, total_steps=steps)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.02)
    g = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(yt), generator=g).to(device)
        total, t0 = torch.zeros((), device=device), time.time()
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            batch = xt[idx]
            if contrast:
                batch = batch * (0.7 + 0.3 * torch.rand(len(idx), 1, 1, 1, generator=g)).to(device)
            if epoch < epochs - 1:
                dx, dy = (int(v) for v in torch.randint(-1, 2, (2,), generator=g))
                batch = torch.roll(batch, shifts=(dy, dx), dims=(2, 3))
            opt.zero_grad()
            loss = loss_fn(net(batch), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.detach() * len(idx)
        print(f"  epoch {epoch + 1}/{epochs}: loss {float(total) / len(yt):.4f} ({time.time() - t0:.0f} s)",
              flush=True)
    layers = [m for m in net if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    out = {}
    for i, m in enumerate(layers):
        out[f"w{i}"] = m.weight.detach().cpu().numpy().astype(np.float32)
        out[f"b{i}"] = m.bias.detach().cpu().numpy().astype(np.float32)
    return out
