"""The same batch on a real Dask cluster: two worker processes on this machine (``LocalCluster``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from digit_images import ink_layer, on_paper
from PIL import Image

from digitsight.batch import read_many

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    # processes=True: each worker is its own process, loading the networks once, as on a real cluster.
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as connected,
    ):
        yield connected


def test_a_local_cluster_reads_in_input_order_recording_failures(client, tmp_path: Path) -> None:
    numbers = ["2048", "731", "56", "90", "4", "1234"]
    names = []
    for index, number in enumerate(numbers):
        names.append(str(tmp_path / f"{index}.png"))
        Image.fromarray(on_paper(ink_layer(number))).save(names[-1])
    (tmp_path / "bad.png").write_bytes(b"not a png")
    names[3:3] = [str(tmp_path / "bad.png"), str(tmp_path / "missing.png")]

    records = list(read_many(names, client=client, chunk_size=2))
    assert [r["file"] for r in records] == names
    assert [r.get("number") for r in records] == [*numbers[:3], None, None, *numbers[3:]]
    assert "not an image" in records[3]["error"] and "not found" in records[4]["error"]
    # Each worker that read holds the three nets once (load_once's cache), however many chunks it read.
    held = client.run(_nets_held)
    assert sorted(held.values())[-1] == 3 and set(held.values()) <= {0, 3}


def _nets_held() -> int:
    """How many nets this worker process has loaded."""
    from digitsight.nets import base

    return len(base._loaded)


def test_the_command_line_reads_on_the_cluster_named_by_scheduler(client, tmp_path: Path, capsys) -> None:
    from digitsight.cli import main

    for name, number in (("a.png", "2048"), ("b.png", "731")):
        Image.fromarray(on_paper(ink_layer(number))).save(tmp_path / name)
    out = tmp_path / "readings.jsonl"
    address = client.scheduler.address  # tcp://127.0.0.1:PORT
    assert main(["read", str(tmp_path), "--scheduler", address, "--output", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(Path(r["file"]).name, r["number"]) for r in records] == [("a.png", "2048"), ("b.png", "731")]
    assert "read 2, failed 0" in capsys.readouterr().err
