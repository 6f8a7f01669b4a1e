"""Labelled-image folders: loading labels.csv, the fixed tuning/check split, and scores."""

from __future__ import annotations

import hashlib

import pytest

from digitsight.labelled import edit_distance, half_of, load_labels, score


def test_half_is_decided_by_the_hash_of_the_name():
    for name in ("d_001.png", "d_002.png", "a.jpg", "photo 7.webp"):
        expected = "tune" if hashlib.sha256(name.encode()).digest()[0] < 128 else "check"
        assert half_of(name) == expected


def test_both_halves_are_used():
    halves = {half_of(f"d_{index:03d}.png") for index in range(1, 40)}
    assert halves == {"tune", "check"}


def test_labels_are_text_and_keep_leading_zeros(tmp_path):
    (tmp_path / "labels.csv").write_text("file,label,kind\na.png,0906,photo\nb.png,12 34,scan\n")
    images = load_labels(tmp_path)
    assert [image.label for image in images] == ["0906", "12 34"]
    assert images[0].path == tmp_path / "a.png"
    assert images[1].kind == "scan"
    assert images[0].polarity == ""


def test_labels_without_a_label_column_are_refused(tmp_path):
    (tmp_path / "labels.csv").write_text("file,number\na.png,1\n")
    with pytest.raises(ValueError, match="missing: label"):
        load_labels(tmp_path)


def test_edit_distance():
    assert edit_distance("1234", "1234") == 0
    assert edit_distance("1234", "124") == 1
    assert edit_distance("12 34", "1234") == 1
    assert edit_distance("", "12") == 2


def test_score_counts_exact_exact_ignoring_spaces_and_character_errors():
    result = score([("12 34", "1234"), ("56", "56"), ("789", "780"), ("0", "0")])
    assert result.images == 4
    assert result.exact == pytest.approx(0.5)
    assert result.exact_digits == pytest.approx(0.75)
    assert result.cer == pytest.approx(2 / 11)


def test_score_of_nothing_is_zero():
    assert score([]).images == 0
