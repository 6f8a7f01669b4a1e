"""Images per second of a batch: 1 and 2 local workers, and a 2-worker Dask LocalCluster, on the same images.

The images are the synthetic benchmark's photo-like ones (``make_image("photo", i,
"validation")``), written as files to a temporary folder and read by path, as
``python -m digitsight read FOLDER --workers N`` reads them. For each set-up:

- end to end: images over the wall time of ``read_many`` (worker processes started
  and networks loaded included; the LocalCluster itself is started beforehand, as a
  cluster is long-lived, but its workers load the networks within the timing);
- steady: images after the first over the time from the first record to the last
  (start-up left out: what a long batch runs at);
- CPU per image: the CPU time of every process that took part (start-up included) over the
  images: what the machine pays, whatever else runs on it;
- per-worker memory: the largest resident set of any worker process during the run
  (1 worker: this process, which reads in-process and also holds the benchmark).

The set-ups run in turn, round after round (--rounds); medians are printed, and the
ratios the targets are about (2 workers over 1; the cluster over the 2-worker pool),
each from the medians of one run. On a shared machine only those ratios compare, and
the speed-up of a second worker only when the machine is otherwise idle: Linux shares
the CPU out between sessions (autogroups), so under load a session gets about the same
CPU time with one worker as with two. The CPU per image compares under any load.

Run:
    python benchmarks/bench_batch.py [--images 200] [--rounds 3] [--backend litert]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psutil

from digitsight.batch import read_many
from digitsight.synthetic.pages import make_image

# How often the workers' memory is sampled: listing a process's children reads every process's
# /proc entry (~5 ms of CPU on a busy machine), which sampled every 50 ms would count against
# the pool's CPU per image. A worker's memory levels off once its networks are loaded.
SAMPLE_S = 0.5


class PeakMemory:
    """The largest RSS seen, per process, of this process's children (or of this process), sampled every SAMPLE_S."""

    def __init__(self, children: bool) -> None:
        self.children, self.peaks = children, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(SAMPLE_S):
            processes = me.children(recursive=True) if self.children else [me]
            for process in processes:
                try:
                    rss = process.memory_info().rss
                except psutil.Error:
                    continue  # it ended between listing and asking
                self.peaks[process.pid] = max(self.peaks.get(process.pid, 0), rss)


def cpu_seconds(live: set[int]) -> float:
    """CPU time used so far by this process, its ended children and the live processes ``live``."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    for pid in live:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def timed(names: list[str], cluster_pids: set[int], **how) -> tuple[float, float, float, int]:
    """(end-to-end images/s, steady images/s, CPU ms per image, failed records) of ``read_many(names, **how)``.

    The CPU time is every process's that took part (this one, the pool's workers with their
    start and loading, the cluster's workers), over the images read.
    """
    cpu = cpu_seconds(cluster_pids)
    started = time.perf_counter()
    first = last = started
    failed = 0
    for count, record in enumerate(read_many(names, **how)):
        last = time.perf_counter()
        if count == 0:
            first = last
        failed += "error" in record
    cpu_ms = 1000 * (cpu_seconds(cluster_pids) - cpu) / len(names)
    return len(names) / (last - started), (len(names) - 1) / (last - first), cpu_ms, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", default="litert", choices=("litert", "keras"))
    args = parser.parse_args()

    from dask.distributed import Client, LocalCluster

    folder = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    names = []
    for index in range(args.images):
        sample = make_image("photo", index, "validation")
        suffix = ".jpg" if sample.data[:2] == b"\xff\xd8" else ".png"
        names.append(str(folder / f"{index:04d}{suffix}"))
        Path(names[-1]).write_bytes(sample.data)
    pixels = statistics.median(w * h for w, h in (make_image("photo", i, "validation").size for i in range(20)))
    print(f"{args.images} photo-like images (median {pixels / 1e6:.2f} MP) in {folder}; backend {args.backend}")
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {cores} cores, load {load:.1f}, Python {platform.python_version()}")

    results: dict[str, list[tuple[float, float, int]]] = {"1 worker": [], "2 workers": [], "LocalCluster 2": []}
    memory: dict[str, list[int]] = {name: [] for name in results}
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        for round_number in range(args.rounds):
            for name, how, children in (
                ("1 worker", {"workers": 1}, False),
                ("2 workers", {"workers": 2}, True),
                ("LocalCluster 2", {"client": client}, True),
            ):
                if name.startswith("LocalCluster"):
                    client.restart()  # fresh workers: they load the networks within the timing, as the pool's do
                # The cluster's worker processes are this process's children too (its nannies run in this one).
                cluster_pids = set(client.run(os.getpid).values())
                with PeakMemory(children) as peak:
                    results[name].append(timed(names, cluster_pids, backend=args.backend, **how))
                if name.startswith("LocalCluster"):
                    worker_pids = set(client.run(os.getpid).values())
                    memory[name] += [rss for pid, rss in peak.peaks.items() if pid in worker_pids]
                else:
                    memory[name] += [rss for pid, rss in peak.peaks.items() if pid not in cluster_pids]
                end_to_end, steady, cpu_ms, failed = results[name][-1]
                print(f"round {round_number + 1} {name:>15}: {end_to_end:6.1f} images/s end to end, "
                      f"{steady:6.1f} steady, {cpu_ms:5.1f} CPU ms/image, {failed} failed", flush=True)  # fmt: skip

    print()
    header = f"{'set-up':>15} {'end to end':>11} {'steady':>8} {'CPU/image':>10} {'worker RSS':>11}"
    print(f"{header}   (medians of {args.rounds} rounds; RSS: the largest)")
    medians = {}
    for name, runs in results.items():
        medians[name] = [statistics.median(run[i] for run in runs) for i in (0, 1, 2)]
        rss = max(memory[name]) / 2**20 if memory[name] else float("nan")
        end_to_end, steady, cpu_ms = medians[name]
        print(f"{name:>15} {end_to_end:8.1f}/s {steady:6.1f}/s {cpu_ms:7.1f} ms {rss:8.0f} MB")
    for i, kind in ((0, "end to end"), (1, "steady")):
        two_over_one = medians["2 workers"][i] / medians["1 worker"][i]
        cluster_over_pool = medians["LocalCluster 2"][i] / medians["2 workers"][i]
        print(f"{kind}: 2 workers / 1 worker = {two_over_one:.2f}x; LocalCluster / pool = {cluster_over_pool:.2f}")


if __name__ == "__main__":
    main()
