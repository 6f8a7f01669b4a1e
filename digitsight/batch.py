"""Read many images: in this process, in worker processes, or on a Dask cluster.

``read_many(names)`` yields one record per image, in the order given: the JSON contract
of a reading (``Reading.to_dict``: ``{"file", "number", "lines", "digits", "ms",
"warnings"}``), or ``{"file", "error"}`` for an image that could not be read; a bad
image never stops the batch. Each worker process loads the networks once and reads
one chunk of images per task.

``run_batch(args)`` is ``python -m digitsight read``: inputs expanded (``inputs``),
records printed or appended to ``--output`` (resuming: images already in it are
skipped), a progress bar on a terminal, a summary at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digitsight.errors import DigitSightError

if TYPE_CHECKING:
    from tqdm import tqdm

    from digitsight.imaging import LoadedImage
    from digitsight.nets import Models

# Worker processes take about a second to start and load the LiteRT models (0.2 s of CPU
# each, measured on 2 cores), about what reading 16 to 25 photo-like images costs: without
# --workers, a batch gets one worker per this many images (up to one per core), and a
# small batch is read in this process.
IMAGES_PER_WORKER = 16
# Tasks kept queued per worker thread: enough that none waits for the next chunk, few
# enough that records come back in order without holding many finished chunks.
TASKS_AHEAD = 4
# On a Dask cluster, the images are split in about this many chunks per worker thread: the
# last chunks then finish together (balance), while each task (~1 ms of scheduling) still
# reads several images. A chunk never holds more than MAX_CHUNK images.
CHUNKS_PER_THREAD = 16
MAX_CHUNK = 64
FORMATS = ("text", "jsonl", "csv")
# The CSV columns: the JSON contract's keys, plus "error"; lists are written as JSON.
CSV_COLUMNS = ("file", "number", "lines", "digits", "ms", "warnings", "error")


@dataclass(frozen=True)
class ReadOptions:
    """What every worker needs to load the same networks: a backend and a digit model (None: the defaults)."""

    backend: str | None = None
    model_path: str | None = None


@dataclass
class Summary:
    """What a batch did: images read, failed (an error record), unsure (not ``sure``: to be looked at), in how long."""

    read: int = 0
    failed: int = 0
    unsure: int = 0
    seconds: float = 0.0

    def add(self, record: dict[str, Any]) -> None:
        if "error" in record:
            self.failed += 1
        else:
            self.read += 1
            # A reading not marked sure (result.SURE_CONFIDENCE) is one a person should check.
            self.unsure += not record.get("sure", False)

    def line(self) -> str:
        total = self.read + self.failed
        rate = total / self.seconds if self.seconds > 0 else 0.0
        return (
            f"read {self.read}, failed {self.failed}, unsure {self.unsure} "
            f"({total} images in {self.seconds:.1f} s, {rate:.1f} images/s)"
        )


def read_record(name: str, load: Callable[[], LoadedImage], models: Models) -> dict[str, Any]:
    """The record of one image: the JSON contract (``Reading.to_dict``), or ``{"file", "error"}`` in the CLI's words.

    Parameters
    ----------
    name:
        What the record calls the image (``"file"``).
    load:
        Decodes it (the time taken counts in ``"ms"``); its DigitSightError becomes the error record.
    models:
        The networks to read with (``load_models``).
    """
    from digitsight.reading import read_loaded

    started = time.perf_counter()
    try:
        reading = read_loaded(load(), *models)
    except DigitSightError as error:
        return {"file": name, "error": str(error)}
    return reading.to_dict(name, (time.perf_counter() - started) * 1000)


def read_one(name: str, options: ReadOptions = ReadOptions()) -> dict[str, Any]:
    """The record of the image ``name`` (a path or an fsspec URL); never raises for a bad image.

    Raises DigitSightError only when the networks cannot be loaded (a bad model file fails
    every image alike: the caller stops).
    """
    from digitsight.imaging import PROCESS_MAX_PIXELS
    from digitsight.inputs import load_source

    models = _models(options)
    try:
        # Decoded shrunk to what reading processes anyway: a huge image never exists at full size.
        return read_record(name, lambda: load_source(name, PROCESS_MAX_PIXELS), models)
    except Exception as error:  # noqa: BLE001 - one image tripping a bug must not end a batch of thousands
        return {"file": name, "error": f"internal error while reading: {type(error).__name__}: {error}"}


def read_chunk(names: Sequence[str], options: ReadOptions = ReadOptions()) -> list[dict[str, Any]]:
    """``read_one`` for each of ``names``, in order: one task of a worker."""
    return [read_one(name, options) for name in names]


def read_many(
    names: Iterable[str],
    *,
    workers: int | None = None,
    client: Any = None,
    backend: str | None = None,
    model_path: str | os.PathLike | None = None,
    chunk_size: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The record of each image in ``names`` (paths or fsspec URLs), yielded in the order given.

    Parameters
    ----------
    workers: processes on this machine, each loading the networks once (None: one per
        IMAGES_PER_WORKER images, at most one per core; 1: read in this process).
    client: a ``dask.distributed.Client``: read on its cluster instead, one task per chunk
        of images, the networks loaded once per worker process. ``names`` must then be
        paths or URLs every worker can open (a shared disk, s3://, gs://).
    backend, model_path: the networks to read with (``load_models``), the same everywhere.
    chunk_size: images per task (None: 1 on this machine, where a task costs ~0.1 ms; on a
        cluster about CHUNKS_PER_THREAD chunks per worker thread).

    Raises DigitSightError when the networks cannot be loaded, or a worker process dies.
    """
    names = list(names)
    options = ReadOptions(backend, str(model_path) if model_path else None)
    if client is not None:
        yield from _on_cluster(names, options, client, chunk_size)
        return
    workers = default_workers(len(names)) if workers is None else max(1, min(workers, len(names)))
    if workers <= 1:
        for name in names:
            yield read_one(name, options)
        return
    # "spawn": a fresh interpreter per worker, not a fork of this one and its threads
    # (a forked TensorFlow or a held lock can hang); see IMAGES_PER_WORKER for its cost.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_preload, initargs=(options,)) as pool:
        chunks = _chunks(names, chunk_size or 1)
        yield from _in_order(lambda chunk: pool.submit(read_chunk, chunk, options), chunks, TASKS_AHEAD * workers)


def default_workers(images: int) -> int:
    """Worker processes for ``images`` images: one per IMAGES_PER_WORKER images, at most one per core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, math.ceil(images / IMAGES_PER_WORKER)))


def _models(options: ReadOptions) -> Models:
    """This process's networks for ``options``: loaded on the first call, the same ones after."""
    from digitsight.reading import load_models

    return load_models(options.model_path, backend=options.backend)


def _preload(options: ReadOptions) -> None:
    """A worker's first act: load the networks. A failure is left for its first task to raise, with its message."""
    _one_core_each()
    # Raising here would only break the pool, and the message would be lost.
    with contextlib.suppress(DigitSightError):
        _models(options)


def _one_core_each() -> None:
    """Keep OpenCV and the nets to this thread: the workers share out the cores, and threads would only contend.

    Measured on 2 cores with 2 workers: OpenCV's threads off, 7% less CPU per image (30.8 against
    33 ms). The nets one after another: a single worker used 1.5 cores (its three nets ran side
    by side), so a second worker had half a core to gain.
    """
    import cv2

    from digitsight.nets.models import one_reading_one_core

    cv2.setNumThreads(1)
    one_reading_one_core()


def _read_chunk_on_worker(names: list[str], options: ReadOptions) -> list[dict[str, Any]]:
    """``read_chunk`` as a cluster worker's task (a cluster has no initializer to run first)."""
    _one_core_each()
    return read_chunk(names, options)


def _chunks(names: list[str], size: int) -> Iterator[list[str]]:
    return (names[i : i + size] for i in range(0, len(names), size))


def _in_order(submit: Callable[[list[str]], Future], chunks: Iterable[list[str]], ahead: int) -> Iterator[dict]:
    """Each chunk's records, in order, with at most ``ahead`` chunks submitted and not yet yielded."""
    pending: deque[tuple[Future, list[str]]] = deque()
    for chunk in chunks:
        pending.append((submit(chunk), chunk))
        if len(pending) >= ahead:
            yield from _records(*pending.popleft())
    while pending:
        yield from _records(*pending.popleft())


def _records(task: Future, chunk: list[str]) -> list[dict[str, Any]]:
    """The records ``task`` read for ``chunk``; if the task itself failed, an error record for each image.

    A DigitSightError (the networks could not be loaded) is raised: every image would fail alike.
    """
    try:
        return task.result()
    except DigitSightError:
        raise
    except BrokenProcessPool as error:
        # Every later task of the pool fails too: stop, and let --output's resume go on from here.
        raise DigitSightError(
            f"a worker process died ({error}); an image may need more memory than there is"
        ) from error
    except Exception as error:  # noqa: BLE001 - a Dask worker lost (KilledWorker, a closed connection)
        return [
            {"file": name, "error": f"the worker reading it failed: {type(error).__name__}: {error}"} for name in chunk
        ]


def _on_cluster(names: list[str], options: ReadOptions, client: Any, chunk_size: int | None) -> Iterator[dict]:
    threads = max(1, sum(client.nthreads().values()))
    size = chunk_size or max(1, min(MAX_CHUNK, len(names) // (CHUNKS_PER_THREAD * threads)))
    chunks = _chunks(names, size)

    def submit(chunk: list[str]) -> Future:
        # pure=False: the same files read twice (a rerun) are read again, not taken from a cache.
        return client.submit(_read_chunk_on_worker, chunk, options, pure=False)

    yield from _in_order(submit, chunks, TASKS_AHEAD * threads)


# ---------------------------------------------------------------------------------------
# The command line: python -m digitsight read INPUT... [--workers N] [--output FILE] ...


def run_batch(args: argparse.Namespace) -> int:
    """Read every image ``args.images`` stands for; returns the exit code (1 if any image failed)."""
    from digitsight.inputs import expand_inputs

    names = expand_inputs(args.images, recursive=args.recursive)
    if not names:
        raise DigitSightError(f"no images found in {' '.join(args.images)}")
    output = Path(args.output) if args.output else None
    form = args.format or _default_format(output, args.json)
    if form == "text" and output:
        raise DigitSightError("--output writes jsonl or csv: add --format jsonl or --format csv")
    done = _already_done(output, form) if output else set()
    todo = [name for name in names if name not in done]
    if done:
        print(f"{len(names) - len(todo)} images already in {output}: skipped", file=sys.stderr)

    summary = Summary()
    started = time.perf_counter()
    with (
        _connect(args.scheduler) if args.scheduler else contextlib.nullcontext() as client,
        _Writer(output, form) as write,
        _progress(len(todo), to_terminal=output is None) as bar,
    ):
        for record in read_many(todo, workers=args.workers, client=client, backend=args.backend, model_path=args.model):
            write(record)
            summary.add(record)
            bar.update(1)
    summary.seconds = time.perf_counter() - started
    if len(names) > 1 or output is not None:
        print(summary.line(), file=sys.stderr)
    return 1 if summary.failed else 0


def _default_format(output: Path | None, json_lines: bool) -> str:
    """Without --format: csv for an --output named .csv, JSON lines for another --output or with --json, else text."""
    if output is not None:
        return "csv" if output.suffix.lower() == ".csv" else "jsonl"
    return "jsonl" if json_lines else "text"


def _connect(address: str) -> Any:
    try:
        from dask.distributed import Client
    except ImportError as error:
        raise DigitSightError("--scheduler needs dask.distributed: pip install 'dask[distributed]'") from error
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError) as error:
        raise DigitSightError(f"cannot reach the Dask scheduler at {address}: {error}") from error


def _progress(total: int, to_terminal: bool) -> tqdm:
    """A progress bar on stderr when stderr is a terminal, except when the records themselves go to it."""
    from tqdm import tqdm

    shown = sys.stderr.isatty() and not (to_terminal and sys.stdout.isatty())
    return tqdm(total=total, unit="image", disable=not shown, file=sys.stderr, dynamic_ncols=True)


def _already_done(output: Path, form: str) -> set[str]:
    """The images ``output`` already holds a record of; a record cut off by a crash is removed first."""
    if not output.is_file():
        return set()
    _drop_partial_last_line(output)
    with output.open(encoding="utf-8") as file:
        first = file.readline()
    holds = "jsonl" if first.startswith("{") else "csv" if first.startswith("file,") else None
    if holds and holds != form:
        raise DigitSightError(f"{output} holds {holds} records: add --format {holds}, or write to another --output")
    with output.open(newline="", encoding="utf-8") as file:
        if form == "csv":
            return {row["file"] for row in csv.DictReader(file) if row.get("file")}
        done = set()
        for line in file:
            try:
                done.add(json.loads(line)["file"])
            except (ValueError, KeyError, TypeError):
                continue  # not a record of ours: leave it, read the image again
        return done


def _drop_partial_last_line(output: Path) -> None:
    """Cut ``output`` after its last newline: each record is one line, so anything after it is a cut-off record."""
    data = output.read_bytes()
    if data and not data.endswith(b"\n"):
        output.write_bytes(data[: data.rfind(b"\n") + 1])
        print(f"{output}: removed a record cut off at its end; its image is read again", file=sys.stderr)


class _Writer:
    """Writes records as text lines, JSON lines or CSV rows, to stdout or appended to a file, one flushed line each."""

    def __init__(self, output: Path | None, form: str) -> None:
        self.output, self.form = output, form

    def __enter__(self) -> Callable[[dict[str, Any]], None]:
        if self.output is None:
            self.file = sys.stdout
        else:
            try:
                self.file = self.output.open("a", newline="", encoding="utf-8")
            except OSError as error:
                raise DigitSightError(f"cannot write {self.output}: {error.strerror or error}") from error
        if self.form == "csv" and (self.output is None or self.file.tell() == 0):
            self._write_line(_csv_line(dict(zip(CSV_COLUMNS, CSV_COLUMNS, strict=True))))
        return self.write

    def write(self, record: dict[str, Any]) -> None:
        if self.form == "jsonl":
            self._write_line(json.dumps(record) + "\n")
        elif self.form == "csv":
            self._write_line(_csv_line(record))
        elif "error" in record:
            print(f"{record['file']}: error: {record['error']}", file=sys.stderr, flush=True)
        else:
            self._write_line(f"{record['file']}: {record['number'] or '(no digits found)'}  ({record['ms']:.0f} ms)\n")
            for warning in record["warnings"]:
                self._write_line(f"  warning: {warning}\n")

    def _write_line(self, line: str) -> None:
        self.file.write(line)
        self.file.flush()

    def __exit__(self, *exc: object) -> None:
        if self.output is not None:
            self.file.close()


def _csv_line(record: dict[str, Any]) -> str:
    """One CSV row on one line: lists as JSON, newlines in messages as spaces (a record never spans lines)."""
    row = {}
    for column in CSV_COLUMNS:
        value = record.get(column, "")
        row[column] = json.dumps(value) if isinstance(value, list) else str(value).replace("\n", " ")
    buffer = io.StringIO()
    csv.DictWriter(buffer, CSV_COLUMNS, lineterminator="\n").writerow(row)
    return buffer.getvalue()
