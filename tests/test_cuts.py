"""Candidate cuts of touching digits, and the ranking of the ways to cut a blob."""

from __future__ import annotations

import numpy as np
import pytest
from drawn_pages import page, zero

from digitsight.decode.cuts import cut_candidates, top_partitions
from digitsight.segment import merge_fragments


def best_partition(points: list[int], scores: dict[tuple[int, int], float]) -> list[tuple[int, int]]:
    """The partition with the highest total: ``top_partitions`` with a beam of one."""
    return top_partitions(points, scores, 1)[0][1]


def test_cut_candidates_include_the_junction_of_touching_digits():
    image = page(100, 200)
    zero(image, 50, 30, h=40)  # 24 wide: 50..74
    zero(image, 72, 30, h=40)  # overlaps the first by 2 pixels
    blobs, height = merge_fragments((image < 128).astype(np.uint8))
    assert len(blobs) == 1
    cuts = cut_candidates(blobs[0], height)
    junction = 73 - blobs[0].x
    assert any(abs(cut - junction) <= 2 for cut in cuts), (cuts, junction)


def test_best_partition_picks_the_best_total():
    points = [0, 10, 20, 30]
    scores = {(0, 3): -5.0, (0, 1): -0.1, (1, 3): -0.2, (0, 2): -0.1, (2, 3): -3.0, (1, 2): -2.0}
    assert best_partition(points, scores) == [(0, 1), (1, 3)]
    assert best_partition(points, {(0, 3): -1.0}) == [(0, 3)]


def test_top_partitions_ranks_the_partitions_by_total():
    points = [0, 10, 20, 30]
    scores = {(0, 1): -1.0, (1, 3): -0.5, (0, 3): -2.0, (1, 2): -0.2, (2, 3): -0.2, (0, 2): -3.0}
    ranked = top_partitions(points, scores, 10)
    assert [segments for _, segments in ranked] == [
        [(0, 1), (1, 2), (2, 3)],  # -1.4
        [(0, 1), (1, 3)],  # -1.5
        [(0, 3)],  # -2.0
        [(0, 2), (2, 3)],  # -3.2
    ]
    assert [total for total, _ in ranked] == pytest.approx([-1.4, -1.5, -2.0, -3.2])
    assert top_partitions(points, scores, 2) == ranked[:2]
    assert top_partitions(points, {(0, 1): -1.0}, 3) == [(-np.inf, [(0, 3)])]  # nothing spans the blob
