"""The three nets share one interface: a ``kind``, and ``read(images)`` on one batch."""

from __future__ import annotations

import numpy as np

from digitsight.nets import CHAIN, DIGIT, PAIR, load_models


def test_models_read_each_kinds_images_and_leave_out_what_is_not_loaded(shipped_model_path):
    models = load_models(shipped_model_path)
    assert [net.kind for net in models] == [DIGIT, PAIR, CHAIN]
    images = {DIGIT: [np.zeros((28, 28), np.float32)] * 3, PAIR: [np.zeros((28, 48), np.float32)] * 2, CHAIN: []}

    said = models.read(images)

    assert said[DIGIT].shape == (3, 10)
    assert said[PAIR].count.shape == (2, 3) and said[PAIR].first.shape == said[PAIR].second.shape == (2, 10)
    assert said[CHAIN].shape == (0, 32, 11)  # no images: empty outputs of the right shape
    assert set(load_models(shipped_model_path, pairs=False, chains=False).read(images)) == {DIGIT}


def test_each_net_reads_one_batch_as_it_reads_its_images_one_by_one(shipped_model_path):
    rng = np.random.default_rng(0)
    for net in load_models(shipped_model_path):
        images = rng.random((3, *net.input_size), dtype=np.float32)
        whole = net.read(images)
        for i in range(3):
            one = net.read(images[i : i + 1])
            if net.kind == PAIR:
                np.testing.assert_allclose(one.count[0], whole.count[i], atol=1e-5)
            else:
                np.testing.assert_allclose(one[0], whole[i], atol=1e-5)


def test_a_batch_worker_reads_the_nets_one_after_another_with_the_same_outputs(shipped_model_path, monkeypatch):
    from digitsight.nets import models

    loaded = load_models(shipped_model_path)
    rng = np.random.default_rng(3)
    images = {net.kind: list(rng.random((2, *net.input_size), dtype=np.float32)) for net in loaded}
    side_by_side = loaded.read(images)

    class NoThreads:
        def submit(self, *args, **kwargs):
            raise AssertionError("a worker that reads one image per core must not start threads")

    monkeypatch.setattr(models, "_CALLS_SIDE_BY_SIDE", [True])
    monkeypatch.setattr(models, "_MODEL_CALLS", NoThreads())
    models.one_reading_one_core()
    one_by_one = loaded.read(images)
    np.testing.assert_array_equal(one_by_one[DIGIT], side_by_side[DIGIT])
    np.testing.assert_array_equal(one_by_one[CHAIN], side_by_side[CHAIN])
    np.testing.assert_array_equal(one_by_one[PAIR].count, side_by_side[PAIR].count)
