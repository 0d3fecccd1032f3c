"""Find MRZ text lines anywhere on an image, in any orientation, by the regular rhythm of their glyphs.

An MRZ line is 30, 36 or 44 OCR-B glyphs of equal height at a constant pitch (fillers ``<`` included), which
few other things on a page are. Dark connected components of glyph size are chained to their nearest
neighbour along the text direction; long chains with a regular pitch are line candidates, and two or three
parallel candidates of similar length, one under the other, are an MRZ candidate. Works on component centres,
so skew and the four right-angle orientations cost nothing extra: the chain direction is found, not assumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import cKDTree

#: Images are searched at most this large on the long side; MRZ glyphs stay over 8 px tall on a full A4 page.
SEARCH_SIDE = 2000
MIN_SIDE = 600
#: A first, quicker search (see :func:`find_candidates`) of images of more than QUICK_FROM pixels, at half size
#: or less (QUICK_SIDE at most on the long side). A search costs a fixed part (chaining blobs into lines, a few
#: ms) and a part per pixel; the quick search settles about half the crops alone, so it pays only where the
#: per-pixel part is more than about twice the fixed part. Measured (bench/bench_mrz.py's generated crops, old
#: and new taking turns): from 0.7 MP rather than from 800 px on the long side, 2% less time on 300 of them.
QUICK_FROM = 700_000
QUICK_SIDE = 1200
QUICK_MIN_GLYPH = 8.0
QUICK_SURE_GLYPH = 16.0
MIN_GLYPHS = 20
#: A line that an overprint or a stamp broke into pieces the chain could not join (a bent line in a photo, crossed
#: by a stamp ring) still counts beside a whole one: with MIN_COMPANION glyphs or more it may join a group that is
#: short of lines (:func:`_short_of_lines`), never start one.
MIN_COMPANION = 10
MIN_PIECE = 3
#: Pieces of one line are joined across a gap of up to FAR_GAP glyph heights where the gap keeps the pieces'
#: pitch (within IN_STEP of a whole number of pitches): a SPECIMEN overprint or glare across the middle of a
#: line links its glyphs into larger blobs and splits the chain; a line of glyphs at another pitch does not join.
FAR_GAP = 16.0
IN_STEP = 0.15
#: A line's step between glyph centres may span this many pitches (glyphs the chain missed in between).
MAX_STEP = 16.0
#: Two directions agree within this many degrees: glyph centroids wander by up to a sixth of the glyph height
#: (a 7 is top-heavy), which tilts the step between neighbours by up to about 15 degrees.
AGREE_DEG = 20.0


@dataclass(frozen=True)
class Line:
    """A run of glyphs: centres in search-image pixels, the run's direction and glyph height."""

    xs: np.ndarray
    ys: np.ndarray
    height: float  # median glyph height along the normal
    angle: float  # direction of reading, degrees, image coordinates (y down)
    pitch: float

    @property
    def centre(self) -> tuple[float, float]:
        return float(self.xs.mean()), float(self.ys.mean())

    @property
    def length(self) -> float:
        return float(math.hypot(self.xs[-1] - self.xs[0], self.ys[-1] - self.ys[0]))


@dataclass(frozen=True)
class Candidate:
    lines: list[Line]
    scale: float  # search-image pixels per original pixel

    @property
    def angle(self) -> float:
        return median([ln.angle for ln in self.lines])


def _components(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centres and sizes (w, h) of dark blobs of glyph size."""
    h, w = grey.shape
    block = max(15, (min(h, w) // 40) | 1)
    binary = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12)
    try:  # 16-bit labels run about three times faster; OpenCV refuses them past 65,535 blobs (a noisy image)
        _, _, stats, centroids = cv2.connectedComponentsWithStats(binary, connectivity=8, ltype=cv2.CV_16U)
    except cv2.error:
        _, _, stats, centroids = cv2.connectedComponentsWithStats(binary, connectivity=8, ltype=cv2.CV_32S)
    sizes = stats[1:, 2:4].astype(np.float32)
    centres = centroids[1:].astype(np.float32)
    big = np.maximum(sizes[:, 0], sizes[:, 1])
    keep = (big >= 6) & (big <= max(h, w) / 12) & (stats[1:, 4] >= 8)
    return centres[keep], sizes[keep]


def _chains(centres: np.ndarray, sizes: np.ndarray) -> list[list[int]]:
    """Link blobs to similar-sized neighbours along the local text direction; return the linked groups.

    The text direction at each blob is the direction to its nearest similar neighbour (glyphs along a line are
    closer than lines are to each other); blobs are linked only where that direction agrees at both ends, so
    the lines of an MRZ stay apart whatever the page's orientation.
    """
    n = len(centres)
    if n < MIN_PIECE:
        return []
    glyph = np.maximum(sizes[:, 0], sizes[:, 1])
    k = min(9, n)
    dist, idx = cKDTree(centres).query(centres, k=k, distance_upper_bound=1.8 * float(glyph.max()))
    i = np.repeat(np.arange(n), k - 1)
    j, d = idx[:, 1:].ravel(), dist[:, 1:].ravel()
    keep = j < n
    i, j, d = i[keep], j[keep], d[keep]
    gi = glyph[i]
    ratio = glyph[j] / gi
    keep = (ratio >= 0.7) & (ratio <= 1.45) & (d > 0.5 * gi) & (d < 1.8 * gi)
    i, j = i[keep], j[keep]
    if i.size == 0:
        return []
    angle = np.degrees(np.arctan2(centres[j, 1] - centres[i, 1], centres[j, 0] - centres[i, 0])) % 180

    def agree(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.abs((a - b + 90) % 180 - 90) < AGREE_DEG

    direction = np.full(n, np.nan)
    _, first = np.unique(i, return_index=True)  # neighbours come nearest first
    direction[i[first]] = angle[first]

    with np.errstate(invalid="ignore"):
        link = agree(angle, direction[i]) & agree(angle, direction[j])
    if not link.any():
        return []
    a, b = i[link], j[link]
    labels = _smallest_connected(n, a, b)
    nodes = np.union1d(a, b)  # the linked blobs, ascending; grouped by component, the first blob's first
    nodes = nodes[np.argsort(labels[nodes], kind="stable")]
    groups = np.split(nodes, np.flatnonzero(np.diff(labels[nodes])) + 1)
    return [g.tolist() for g in groups if len(g) >= MIN_PIECE]


def _smallest_connected(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per node of a graph of *n* nodes and edges (a, b), the smallest node connected to it. Each round hooks
    the root of every edge's larger end under the smaller root, then points every node at its root: a node's
    parent is never above it, so this ends, and the smallest node of a component, never hooked, is its root.
    SciPy's connected_components on a sparse matrix spent longer building the matrix than this takes."""
    parent = np.arange(n)
    while True:
        ra, rb = parent[a], parent[b]
        if np.array_equal(ra, rb):
            return parent
        low = np.minimum(ra, rb)
        np.minimum.at(parent, ra, low)
        np.minimum.at(parent, rb, low)
        while True:
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up


def _as_line(idx: list[int], centres: np.ndarray, sizes: np.ndarray) -> Line | None:
    pts = centres[idx]
    mean = pts.mean(axis=0)
    _, _, vt = np.linalg.svd(pts - mean, full_matrices=False)
    direction = vt[0]
    if direction[0] < 0 or (abs(direction[0]) < 1e-6 and direction[1] < 0):
        direction = -direction
    t = (pts - mean) @ direction
    off = (pts - mean) @ np.array([-direction[1], direction[0]])
    order = np.argsort(t)
    t, off, pts = t[order], off[order], pts[order]
    glyph = median(np.maximum(sizes[idx, 0], sizes[idx, 1]))
    if float(np.abs(off).max()) > glyph * 0.8:  # not a straight line of glyphs
        return None
    steps = np.diff(t)
    pitch = median(steps)
    if pitch <= 0:
        return None
    ratio = steps / pitch
    # a regular pitch; a few touching glyphs (one blob, not chained) leave a gap the cell grid fills later
    if float(np.mean(np.abs(ratio - np.round(ratio)) < 0.25)) < 0.8 or ratio.max() > MAX_STEP:
        return None
    angle = math.degrees(math.atan2(direction[1], direction[0]))
    return Line(pts[:, 0], pts[:, 1], glyph, angle, pitch)


def find_candidates(image: np.ndarray) -> list[Candidate]:
    """MRZ candidates, the most MRZ-like first (two or three parallel, similar lines), then single lines.

    An image of more than QUICK_FROM pixels is searched first at half size, or at QUICK_SIDE or less where it is
    larger (a whole factor down: a quarter of the pixels, a ninth or fewer on a page). Where an MRZ is found
    there with glyphs of QUICK_SURE_GLYPH or more, that is the answer; with smaller glyphs, only the region
    around it is searched again, finer (:func:`_refine_scale`), for glyph centres precise enough to place the
    cells (unless what is found there leans on a companion line and is not whole: :func:`_has_companion`).
    Otherwise the whole image is searched at SEARCH_SIDE."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    side = max(grey.shape)
    scale = min(1.0, SEARCH_SIDE / side)
    if side < MIN_SIDE:  # a small crop: its glyphs may be 5 px tall, too small to separate
        scale = MIN_SIDE / side
    if grey.size > QUICK_FROM:
        factor = max(2, math.ceil(side / QUICK_SIDE))
        quick = _search(grey, 1.0 / factor)  # a whole factor: area resizing is many times faster
        if quick and _is_mrz(quick[0]):
            if min(ln.height for ln in quick[0].lines) >= QUICK_SURE_GLYPH:
                return quick  # glyphs big enough to place cells from
            refined = _search_around(grey, quick[0], _refine_scale(quick[0], factor, scale))
            if refined is not None and (_whole(refined) or not _has_companion(refined)):
                return [refined, *quick[1:]]
    return _search(grey, scale)


def _has_companion(cand: Candidate) -> bool:
    """Whether a candidate holds a line of fewer than MIN_GLYPHS glyphs (a companion line): found so in the region
    around a quick candidate and not whole (:func:`_whole`), it is looked for again on the whole image, where the
    adaptive threshold's window is the page's and the pieces of a line crossed by an overprint may join."""
    return any(len(ln.xs) < MIN_GLYPHS for ln in cand.lines)


def _refine_scale(cand: Candidate, factor: int, scale: float) -> float:
    """The scale to search again around a quick candidate at: a whole factor down (finer than the quick search's)
    where its glyphs stay QUICK_SURE_GLYPH tall at half size or less, else *scale*. A whole factor because
    OpenCV's area resizing takes a fast path for it: halving the region around an MRZ on a large page took
    0.05 ms against 2.5 ms at 0.56, more than the search itself."""
    glyph = min(ln.height for ln in cand.lines) / cand.scale  # in original pixels
    k = min(factor - 1, int(glyph // QUICK_SURE_GLYPH))
    return 1.0 / k if k >= 2 else scale


def _is_mrz(cand: Candidate) -> bool:
    return 2 <= len(cand.lines) <= 3 and min(ln.height for ln in cand.lines) >= QUICK_MIN_GLYPH


def _search_around(grey: np.ndarray, cand: Candidate, scale: float) -> Candidate | None:
    """The candidate found again at *scale* in the region around *cand* (its lines, plus margins of a few
    glyphs); None where no MRZ is found there."""
    xs = np.concatenate([ln.xs for ln in cand.lines]) / cand.scale
    ys = np.concatenate([ln.ys for ln in cand.lines]) / cand.scale
    pad = 4 * max(ln.height for ln in cand.lines) / cand.scale
    h, w = grey.shape
    x0, x1 = max(0, int(xs.min() - pad)), min(w, int(xs.max() + pad) + 1)
    y0, y1 = max(0, int(ys.min() - pad)), min(h, int(ys.max() + pad) + 1)
    found = _search(grey[y0:y1, x0:x1], scale)
    if not found or not 2 <= len(found[0].lines) <= 3:
        return None
    # back to the whole image's search pixels
    lines = [Line(ln.xs + x0 * scale, ln.ys + y0 * scale, ln.height, ln.angle, ln.pitch) for ln in found[0].lines]
    return Candidate(lines, scale)


def _search(grey: np.ndarray, scale: float) -> list[Candidate]:
    """Candidates found on *grey* resized by *scale*."""
    if scale != 1.0:
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=interp)
    centres, sizes = _components(grey)
    pieces = _chains(centres, sizes)
    found = _grouped(_lines(_merge_collinear(pieces, centres, sizes), centres, sizes), scale)
    if found and _whole(found[0]):
        return found
    # no whole MRZ along straight paths: join the pieces of bent lines too (a page photographed at an angle)
    return _grouped(_lines(_merge_collinear(pieces, centres, sizes, bent=True), centres, sizes), scale)


def _lines(merged: list[list[int]], centres: np.ndarray, sizes: np.ndarray) -> list[Line]:
    """The merged pieces that are lines of MIN_COMPANION glyphs or more, longest first."""
    lines = [ln for ln in (_as_line(c, centres, sizes) for c in merged if len(c) >= MIN_COMPANION)
             if ln is not None]
    lines.sort(key=lambda ln: -ln.length)
    return lines


def _whole(cand: Candidate) -> bool:
    """Whether a candidate looks like a whole MRZ: two or three lines that start and end within WHOLE_SLACK
    pitches of one another (an MRZ's lines are equally long, one under the other) and span WHOLE_SLOTS or more."""
    if not 2 <= len(cand.lines) <= 3:
        return False
    first = cand.lines[0]
    rad = math.radians(first.angle)
    d = np.array([math.cos(rad), math.sin(rad)])
    spans = [(float(t.min()), float(t.max())) for t in (np.stack([ln.xs, ln.ys], 1) @ d for ln in cand.lines)]
    slack = WHOLE_SLACK * first.pitch
    return (all(abs(a - spans[0][0]) <= slack and abs(b - spans[0][1]) <= slack for a, b in spans)
            and (spans[0][1] - spans[0][0]) / first.pitch + 1 >= WHOLE_SLOTS)


#: A candidate is a whole MRZ (:func:`_whole`) when its lines' ends agree within this many pitches and span at
#: least this many slots (the shortest MRZ line has 30).
WHOLE_SLACK = 2.0
WHOLE_SLOTS = 28


def _grouped(lines: list[Line], scale: float) -> list[Candidate]:
    """Lines grouped into candidates: two or three parallel lines of one MRZ first, then single lines."""
    groups: list[list[Line]] = []
    used: set[int] = set()
    for i, a in enumerate(lines):
        if i in used or len(a.xs) < MIN_GLYPHS:  # a companion line joins a group, never starts one
            continue
        used.add(i)
        group = [a]
        rad = math.radians(a.angle)
        d = np.array([math.cos(rad), math.sin(rad)])
        normal = np.array([-d[1], d[0]])
        a_t = np.stack([a.xs, a.ys], 1) @ d
        a_start, a_end = float(a_t.min()), float(a_t.max())
        offsets = [0.0]
        changed = True
        while changed and len(group) < 3:  # a line may join only once its neighbour has
            changed = False
            for j in range(i + 1, len(lines)):
                b = _facing(lines[j], a.angle)  # turned for this group only: a line left out keeps its own way
                if j in used or len(group) == 3 or abs(_angle_diff(a.angle, b.angle)) > 4:
                    continue
                if len(b.xs) < MIN_GLYPHS and not _short_of_lines(group):
                    continue
                pts = np.stack([b.xs, b.ys], 1)
                off = median((pts - np.asarray(a.centre)) @ normal)
                b_t = pts @ d
                overlap = min(float(b_t.max()), a_end) - max(float(b_t.min()), a_start)
                near = min(abs(off - o) for o in offsets)
                # MRZ lines are left-aligned, one under the other, about 1.5 to 2.2 glyph heights apart; a line
                # whose start the chain missed still overlaps most of its neighbour
                tall = max(a.height, b.height)  # a names line of fillers measures shorter glyphs
                if (overlap > 0.5 * (float(b_t.max()) - float(b_t.min())) and tall * 1.1 < near < tall * 3.2
                        and 0.66 * a.height < b.height < 1.5 * a.height and 0.85 < b.pitch / a.pitch < 1.18):
                    group.append(b)
                    offsets.append(off)
                    used.add(j)
                    changed = True
        groups.append(group)
    groups.sort(key=lambda g: (-(2 <= len(g) <= 3), -sum(ln.length for ln in g)))
    return [Candidate(sorted(g, key=lambda ln: _along_normal(ln, g[0])), scale) for g in groups]


#: The most slots a line of a three-line MRZ (TD1, 30 characters) spans as found, a few glyphs beside it chained
#: in; a two-line MRZ's lines hold 36 or 44.
TD1_SLOTS = 33


def _short_of_lines(group: list[Line]) -> bool:
    """Whether a group of lines still lacks one of its MRZ's lines: one line alone, or two whose longest spans a
    three-line MRZ's 30 slots. Only such a group takes a companion line (MIN_COMPANION), so that a line of printed
    data above a passport's two MRZ lines is never taken for a third."""
    if len(group) == 1:
        return True
    slots = max(ln.length / ln.pitch + 1 for ln in group)
    return len(group) == 2 and slots <= TD1_SLOTS


def _merge_collinear(pieces: list[list[int]], centres: np.ndarray, sizes: np.ndarray,
                     bent: bool = False) -> list[list[int]]:
    """Join chain pieces that continue one another: a glyph the chain could not link (merged fillers, a
    broken letter) splits a line into pieces along one straight path; *bent*: or along a bent one."""
    info = []
    big = np.maximum(sizes[:, 0], sizes[:, 1])
    ends = np.empty((len(pieces), 2, 2))  # each piece's first and last glyph along its direction
    for i, idx in enumerate(pieces):
        pts = centres[idx]
        mean = pts.mean(axis=0)
        d = _principal(pts)
        d = d if d[0] >= 0 else -d
        glyph = _upper_median(big[idx])
        info.append((mean, d, glyph))
        t = (pts - mean) @ d
        ends[i] = pts[[int(t.argmin()), int(t.argmax())]]
    parent = list(range(len(pieces)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    means = np.array([m for m, _, _ in info]).reshape(-1, 2)
    pitches = [median(np.diff(np.sort((centres[idx] - m) @ d))) if len(idx) > 1 else 0.0
               for idx, (m, d, _) in zip(pieces, info, strict=True)]
    glyphs = np.array([g for _, _, g in info])
    directions = np.array([d for _, d, _ in info]).reshape(-1, 2)
    order = sorted(range(len(pieces)), key=lambda i: -len(pieces[i]))
    for a in order:
        mean_a, d_a, g_a = info[a]
        if len(pieces[a]) < 5:
            continue
        n_a = np.array([-d_a[1], d_a[0]])
        t_a = (centres[pieces[a]] - mean_a) @ d_a
        # necessary for a piece to continue this one: a similar glyph size, and its centre (so all of it) near
        # this piece's line; the exact test below runs on those few
        near = (np.abs((means - mean_a) @ n_a) <= 0.4 * g_a) & (glyphs > 0.6 * g_a) & (glyphs < 1.6 * g_a)
        for b in map(int, np.flatnonzero(near)):
            if root(b) == root(a):
                continue
            pts_b = centres[pieces[b]]
            if float(np.abs((pts_b - mean_a) @ n_a).max()) > 0.4 * g_a:
                continue
            t_b = (pts_b - mean_a) @ d_a
            gap = max(float(t_b.min() - t_a.max()), float(t_a.min() - t_b.max()))
            if gap < 4.0 * g_a or (gap < FAR_GAP * g_a and _in_step(gap, pitches[a])):
                parent[root(b)] = root(a)
    # a bent line (a page that does not lie flat, photographed at an angle) leaves the straight path of a piece:
    # a piece that continues it near one of its ends, in the direction that end points, is joined too
    for a, b in _bend_pairs(pieces, directions, glyphs, ends) if bent else []:
        if root(b) != root(a) and _continues(centres[pieces[a]], centres[pieces[b]], directions[a], glyphs[a]):
            parent[root(b)] = root(a)
    merged: dict[int, list[int]] = {}
    for i, idx in enumerate(pieces):
        merged.setdefault(root(i), []).extend(idx)
    return list(merged.values())


#: Glyphs of a piece's end (at most) that give its local direction, and of the next piece that must lie on it.
END_GLYPHS = 8
NEXT_GLYPHS = 4
#: The local directions of a piece's end and of the next piece agree within this many degrees.
BEND_DEG = 8.0
#: A bent line's pieces are joined across at most this many glyph heights (four or five glyphs the chain missed).
BEND_GAP = 6.0
#: Two pieces of a bent line point within twice BEND_DEG of one another (the sine of that angle).
BEND_SIN = math.sin(math.radians(2 * BEND_DEG))


def _principal(pts: np.ndarray) -> np.ndarray:
    """The unit direction of most spread of a few points: the principal axis of their 2 x 2 scatter matrix, in
    closed form (an SVD per piece of a line costs more)."""
    q = pts - pts.mean(axis=0)
    angle = 0.5 * math.atan2(2.0 * float(q[:, 0] @ q[:, 1]), float(q[:, 0] @ q[:, 0] - q[:, 1] @ q[:, 1]))
    return np.array([math.cos(angle), math.sin(angle)])


def _bend_pairs(pieces: list[list[int]], directions: np.ndarray, glyphs: np.ndarray, ends: np.ndarray,
                ) -> list[tuple[int, int]]:
    """Pairs (a, b) that :func:`_continues` is to judge, all pieces at once, longest *a* first. Necessary for b
    to continue a bent line past an end of a: a has END_GLYPHS glyphs or more, b is of similar glyph size and
    direction, and an end of b lies within reach of an end of a, roughly ahead of it."""
    long = np.array(sorted((i for i, idx in enumerate(pieces) if len(idx) >= END_GLYPHS),
                           key=lambda i: -len(pieces[i])), dtype=int)
    pairs: list[tuple[int, int]] = []
    for chunk in np.array_split(long, max(1, len(long) // 32)) if len(long) else []:
        d = directions[chunk]
        normals = np.stack([-d[:, 1], d[:, 0]], axis=1)
        g = glyphs[chunk][:, None]
        turn = np.abs(normals @ directions.T)  # the sine of the angle between the two pieces' directions
        ok = (glyphs[None, :] > 0.6 * g) & (glyphs[None, :] < 1.6 * g) & (turn < BEND_SIN)
        # chunk piece, other piece, its end, this piece's end, xy
        v = ends[None, :, :, None, :] - ends[chunk][:, None, None, :, :]
        along = np.abs(np.einsum("apxyk,ak->apxy", v, d))
        across = np.abs(np.einsum("apxyk,ak->apxy", v, normals))
        g4 = g[:, :, None, None]
        ok &= ((along < BEND_GAP * g4) & (across < BEND_SIN * along + 0.4 * g4)).any(axis=(2, 3))
        ok[np.arange(len(chunk)), chunk] = False
        pairs += [(int(chunk[i]), int(j)) for i, j in zip(*np.nonzero(ok), strict=True)]
    return pairs


def _continues(pts_a: np.ndarray, pts_b: np.ndarray, d_a: np.ndarray, glyph: float) -> bool:
    """Whether piece *b* continues piece *a* past one of its ends along a bent line: b's glyphs nearest that end
    lie on the straight path of a's last glyphs (within 0.4 glyph heights), point the same way, and start beyond
    the end by less than BEND_GAP glyph heights. Chain pieces have MIN_PIECE (3) glyphs or more."""
    t_a = pts_a @ d_a
    order = np.argsort(t_a)
    for end_idx, outward in ((order[-END_GLYPHS:], 1.0), (order[:END_GLYPHS], -1.0)):
        end = pts_a[end_idx]
        tip = end[-1] if outward > 0 else end[0]
        dist = np.hypot(*(pts_b - tip).T)
        if float(dist.min()) > BEND_GAP * glyph:
            continue
        d_end = _principal(end)
        d_end = d_end if float(d_end @ d_a) * outward > 0 else -d_end  # pointing out of a, towards b
        nxt = pts_b[np.argsort(dist)[:NEXT_GLYPHS]]
        normal = np.array([-d_end[1], d_end[0]])
        if abs(float(_principal(nxt) @ normal)) > math.sin(math.radians(BEND_DEG)):
            continue
        centre = end.mean(axis=0)
        if float(np.abs((nxt - centre) @ normal).max()) > 0.4 * glyph:
            continue
        gap = float(((nxt - tip) @ d_end).min())
        # the pitch changes along a bent line seen at an angle, so a gap is not measured in pitches here: the
        # straight path and the direction, both local, are what tell a continuation
        if 0.5 * glyph < gap < BEND_GAP * glyph:
            return True
    return False


def _in_step(gap: float, pitch: float) -> bool:
    """Whether a gap between two pieces of a line is a whole number of the first piece's pitches: the glyphs
    in between are there but were not chained (an overprint or glare linked them into larger blobs)."""
    if pitch <= 0:
        return False
    steps = gap / pitch
    return abs(steps - round(steps)) < IN_STEP


def median(values: np.ndarray | list[float]) -> float:
    """np.median's value without its overhead, which dominates on the few values of a line (called a dozen
    times per image)."""
    v = np.sort(np.asarray(values, dtype=float).ravel())
    m = len(v) // 2
    return float(v[m]) if len(v) % 2 else float(0.5 * (v[m - 1] + v[m]))


def _upper_median(values: np.ndarray) -> float:
    """The middle value (the upper one of an even count): np.median's overhead dominates on a few values."""
    return float(np.sort(values)[len(values) // 2])


def _facing(line: Line, angle: float) -> Line:
    """The line read the way that faces within 90 degrees of *angle*. A line's direction is found only up to a
    half turn (:func:`_as_line` takes the one pointing right), so two lines of one MRZ standing exactly upright
    may come out at -90 and +90 degrees: turned to agree, they group."""
    if abs(_angle_diff(angle, line.angle)) <= 90:
        return line
    return Line(line.xs[::-1].copy(), line.ys[::-1].copy(), line.height, _angle_diff(line.angle + 180.0, 0.0),
                line.pitch)


def _angle_diff(a: float, b: float) -> float:
    d = (a - b + 180) % 360 - 180
    return d


def _along_normal(line: Line, ref: Line) -> float:
    normal = np.array([-math.sin(math.radians(ref.angle)), math.cos(math.radians(ref.angle))])
    return float(np.dot(np.asarray(line.centre), normal))
