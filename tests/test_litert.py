"""The LiteRT models shipped beside the Keras ones: the same outputs, and loaded without TensorFlow."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from digitsight.errors import DigitSightError
from digitsight.nets.litert import LiteRTForward, file_sha256, load_litert, resolve_backend

REPO_ROOT = Path(__file__).resolve().parents[1]
MODELS = {
    "digitsight_cnn": (28, 28),
    "digitsight_pairs": (28, 48),
    "digitsight_chains": (28, 128),
}


def _tflite(stem: str) -> Path:
    path = REPO_ROOT / "models" / f"{stem}.tflite"
    if not path.is_file():
        pytest.skip(f"{path} is absent; export it with `python -m training.export_litert`")
    return path


@pytest.mark.parametrize("stem", MODELS)
def test_shipped_tflite_was_exported_from_the_shipped_keras_model(stem: str) -> None:
    tflite = _tflite(stem)
    record = json.loads(tflite.with_suffix(".litert.json").read_text())
    assert record["keras_sha256"] == file_sha256(tflite.with_suffix(".keras"))
    assert record["max_difference"] < 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("stem", MODELS)
def test_tflite_agrees_with_its_keras_model_on_a_fixed_batch(stem: str) -> None:
    import keras

    from training.export_litert import max_difference

    tflite = _tflite(stem)
    model = keras.saving.load_model(tflite.with_suffix(".keras"), compile=False)
    # Measured at export: 3e-9 (digits), 8e-10 (pairs), 9e-6 (chains' log-probabilities).
    assert max_difference(model, tflite) < 1e-4


def test_forward_returns_numpy_outputs_by_name_and_does_not_depend_on_the_batch() -> None:
    pairs = LiteRTForward(_tflite("digitsight_pairs"), MODELS["digitsight_pairs"])
    batch = np.random.default_rng(0).random((5, 28, 48, 1), dtype=np.float32)
    outputs = pairs(batch)
    assert {name: value.shape for name, value in outputs.items()} == {
        "count": (5, 3),
        "first": (5, 10),
        "second": (5, 10),
    }
    np.testing.assert_allclose(outputs["count"].sum(axis=1), 1.0, atol=1e-5)
    alone = pairs(batch[2:3])
    assert np.array_equal(alone["first"], outputs["first"][2:3])


def test_a_model_of_another_input_size_is_refused() -> None:
    with pytest.raises(DigitSightError, match="not one batch of 28x48 images"):
        LiteRTForward(_tflite("digitsight_cnn"), (28, 48))


def test_a_tflite_older_than_its_keras_model_is_refused(tmp_path: Path) -> None:
    for suffix in (".tflite", ".litert.json", ".keras"):
        shutil.copy(_tflite("digitsight_cnn").with_suffix(suffix), tmp_path / f"mine{suffix}")
    load_litert(tmp_path / "mine.keras", (28, 28), "train")  # as exported: fine
    (tmp_path / "mine.keras").write_bytes(b"retrained")
    with pytest.raises(DigitSightError, match="export it again with `python -m training.export_litert"):
        load_litert(tmp_path / "mine.keras", (28, 28), "train")


def test_a_missing_or_broken_tflite_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "mine.keras").write_bytes(b"a model")
    with pytest.raises(DigitSightError, match="or read with --backend keras"):
        load_litert(tmp_path / "mine.keras", (28, 28), "train")
    (tmp_path / "only.tflite").write_bytes(b"not a flatbuffer")
    with pytest.raises(DigitSightError, match="cannot load the model"):
        load_litert(tmp_path / "only.tflite", (28, 28), "train")


def test_backend_names() -> None:
    assert resolve_backend("keras") == "keras"
    with pytest.raises(DigitSightError, match="unknown backend 'onnx'"):
        resolve_backend("onnx")


def test_loading_a_litert_model_does_not_import_tensorflow() -> None:
    code = (
        "import sys, numpy as np; from pathlib import Path\n"
        "from digitsight.nets.litert import load_litert\n"
        f"net = load_litert(Path({str(_tflite('digitsight_cnn'))!r}), (28, 28), 'train')\n"
        "net(np.zeros((2, 28, 28, 1), np.float32))\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["False", "False"]


def test_reading_with_the_default_backend_does_not_import_tensorflow(tmp_path: Path) -> None:
    from digit_images import ink_layer, on_paper
    from PIL import Image

    Image.fromarray(on_paper(ink_layer("2048"))).save(tmp_path / "number.png")
    code = (
        "import sys, digitsight\n"
        f"reading = digitsight.read({str(tmp_path / 'number.png')!r})\n"
        "print(reading.number, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["2048", "False", "False"]
    assert done.stderr == ""  # LiteRT's "INFO: Created ... XNNPACK delegate" line is muted


@pytest.mark.slow
def test_both_backends_read_the_same_numbers_with_nearly_the_same_confidences() -> None:
    from digit_images import ink_layer, on_paper, photo_like

    import digitsight

    images = [on_paper(ink_layer("2048")), photo_like(ink_layer("731 56")), on_paper(ink_layer("4410", touching=True))]
    for image in images:
        lite, keras = (digitsight.read(image, backend=backend) for backend in ("litert", "keras"))
        assert lite.number == keras.number
        confidences = [[d.confidence for d in reading.digits] for reading in (lite, keras)]
        np.testing.assert_allclose(*confidences, atol=1e-5)
