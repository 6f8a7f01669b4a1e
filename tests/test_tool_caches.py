"""The tools' array caches (``tools.build_real_digits.cached``): made once, then read back unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.build_real_digits import cached, load_or_build


@dataclass(frozen=True)
class Pair:
    crops: np.ndarray
    labels: np.ndarray


def test_cached_makes_once_then_reads_the_same_arrays_back_and_rebuild_makes_again(tmp_path: Path) -> None:
    calls = []

    def make() -> Pair:
        calls.append(1)
        return Pair(np.arange(6, dtype=np.float32).reshape(1, 2, 3) * len(calls), np.array([len(calls)]))

    cache = tmp_path / "sub" / "pair.npz"
    first = cached(Pair, cache, make)
    again = cached(Pair, cache, make)
    assert len(calls) == 1 and cache.is_file()
    np.testing.assert_array_equal(again.crops, first.crops)
    np.testing.assert_array_equal(again.labels, [1])
    assert again.crops.dtype == np.float32
    rebuilt = cached(Pair, cache, make, rebuild=True)
    assert len(calls) == 2 and rebuilt.labels.tolist() == [2]


def test_load_or_build_gives_none_without_the_samples_but_reads_an_existing_cache(tmp_path: Path) -> None:
    def build(samples: Path) -> Pair:
        raise AssertionError("nothing should be built without the samples")

    cache = tmp_path / "pair.npz"
    assert load_or_build(Pair, build, False, cache, tmp_path / "no-samples") is None
    cached(Pair, cache, lambda: Pair(np.zeros((2, 28, 28)), np.array([3, 4])))
    loaded = load_or_build(Pair, build, False, cache, tmp_path / "no-samples")
    assert loaded is not None and loaded.labels.tolist() == [3, 4]
    assert load_or_build(Pair, build, True, cache, tmp_path / "no-samples") is None
