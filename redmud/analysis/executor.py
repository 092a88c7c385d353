"""Executing many samples: vectorised chunks, reproducible seeds, resume, serial or Dask.

A run of N samples is cut into chunks of ``chunk_size`` samples; each chunk is one vectorised
model call. Random numbers come from one ``SeedSequence(seed).spawn`` child per fixed block of
``BLOCK_SIZE`` samples, whatever the chunk size or backend, so a seed gives the same samples on
any machine; quasi-random designs are drawn once for the whole run and sliced. Each finished
chunk is written to ``OUT.partial/`` beside a manifest holding a hash of the resolved inputs; a
run started again with the same inputs resumes from the chunks on disk, and the final file is
written atomically (temporary name, then rename) before the partial folder is removed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from redmud.errors import InputError
from redmud.output import check_output_path

log = logging.getLogger(__name__)

#: Samples per random-number block (ENGINEERING.md: one stream per fixed block of samples).
BLOCK_SIZE = 65_536
#: Samples per vectorised chunk. Measured on the default route (benchmarks/README.md): peak
#: memory grows by ~90 KB per sample (streams of 4 phases x 43 components for every operation,
#: recycle guesses, solver state), so 8,192 samples add ~0.75 GB; throughput is within ~10 % of
#: that at 16,384 samples.
DEFAULT_CHUNK_SIZE = 8_192
SCHEDULER_TIMEOUT_S = 10


@dataclass(frozen=True)
class Design:
    """How samples are drawn: ``uniforms(start, stop)`` gives their [0,1) numbers, (n, d)."""

    n: int
    dimensions: int
    seed: int = 0
    sampler: str = "random"          # random | sobol | lhs

    def uniforms(self, start: int, stop: int) -> np.ndarray:
        if self.dimensions == 0:
            return np.zeros((stop - start, 0))
        if self.sampler == "random":
            blocks = range(start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE + 1)
            children = np.random.SeedSequence(self.seed).spawn(blocks.stop)
            parts = [np.random.default_rng(children[b]).random((BLOCK_SIZE, self.dimensions)) for b in blocks]
            whole = np.concatenate(parts)
            offset = blocks.start * BLOCK_SIZE
            return whole[start - offset:stop - offset]
        return self._quasi()[start:stop]

    def _quasi(self) -> np.ndarray:
        from scipy.stats import qmc
        if self.sampler == "sobol":
            engine = qmc.Sobol(self.dimensions, scramble=True, seed=np.random.default_rng(self.seed))
        elif self.sampler == "lhs":
            engine = qmc.LatinHypercube(self.dimensions, seed=np.random.default_rng(self.seed))
        else:
            raise InputError("--sampler", f"unknown sampler {self.sampler!r}; expected random, sobol or lhs")
        return engine.random(self.n)


def chunk_ranges(n: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(start, min(start + chunk_size, n)) for start in range(0, n, chunk_size)]


def inputs_hash(manifest: dict) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True, default=str).encode()).hexdigest()


@contextmanager
def _locked(folder: Path):
    """An exclusive lock on ``folder/lock``, released when the process ends however it ends."""
    handle = open(folder / "lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise InputError(str(folder), "another run is writing this output; wait for it or choose another -o") from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def execute(evaluate_chunk: Callable, n: int, out: Path, manifest: dict, chunk_size: int = DEFAULT_CHUNK_SIZE,
            backend: str = "serial", scheduler: str | None = None, restart: bool = False,
            progress: bool | None = None, scheduler_timeout: float = SCHEDULER_TIMEOUT_S):
    """Evaluate ``evaluate_chunk(start, stop) -> pandas.DataFrame`` over all chunks, resumable.

    Returns the concatenated DataFrame, also written to ``out`` (Parquet) atomically.
    ``scheduler_timeout`` [s] bounds the wait for a Dask scheduler at ``scheduler``.
    """
    import pandas as pd

    out = Path(out)
    check_output_path(out)
    partial = out.with_name(out.name + ".partial")
    manifest = {**manifest, "n": n, "chunk_size": chunk_size, "block_size": BLOCK_SIZE}
    digest = inputs_hash(manifest)
    existed = partial.exists()
    partial.mkdir(exist_ok=True)
    # everything that reads, discards or removes the partial folder happens under its lock, so a
    # --restart cannot pull the chunks from under a run that is still writing them
    with _locked(partial):
        if existed and _read_manifest(partial).get("hash") != digest:
            if not restart:
                raise InputError(str(partial), "a partial run with different inputs exists; run again with "
                                               "--restart to discard it, or use another -o")
            for old in partial.glob("chunk-*.parquet"):
                old.unlink()
        (partial / "manifest.json").write_text(json.dumps({"hash": digest, "inputs": manifest}, default=str))
        ranges = chunk_ranges(n, chunk_size)
        todo = [(i, r) for i, r in enumerate(ranges) if not (partial / f"chunk-{i:06d}.parquet").exists()]
        if len(todo) < len(ranges):
            log.info("resuming: %d of %d chunks already done", len(ranges) - len(todo), len(ranges))
        done = n - sum(stop - start for _, (start, stop) in todo)
        bar = _progress(n, done, progress)
        try:
            for i, frame in _run_backend(evaluate_chunk, todo, backend, scheduler, scheduler_timeout):
                _write_parquet(frame, partial / f"chunk-{i:06d}.parquet")
                bar.update(ranges[i][1] - ranges[i][0])
        except InputError:
            if not any(partial.glob("chunk-*.parquet")):   # bad input, nothing done: leave no trace
                shutil.rmtree(partial, ignore_errors=True)
            raise
        finally:
            bar.close()
        frames = [pd.read_parquet(partial / f"chunk-{i:06d}.parquet") for i in range(len(ranges))]
        table = pd.concat(frames, ignore_index=True)
        _write_parquet(table, out, metadata={"redmud": json.dumps({**manifest, "hash": digest}, default=str)})
        shutil.rmtree(partial)
    return table


def _read_manifest(partial: Path) -> dict:
    try:
        return json.loads((partial / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def _write_parquet(frame, path: Path, metadata: dict | None = None) -> None:
    """Write a DataFrame as Parquet through a temporary file and a rename."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in metadata.items()}})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _run_backend(evaluate_chunk, todo, backend: str, scheduler: str | None,
                 scheduler_timeout: float = SCHEDULER_TIMEOUT_S):
    """Yield (chunk index, DataFrame) in completion order."""
    if backend == "serial" and scheduler is None:
        for i, (start, stop) in todo:
            yield i, evaluate_chunk(start, stop)
        return
    if backend not in ("dask", "serial"):
        raise InputError("--backend", f"unknown backend {backend!r}; expected serial or dask")
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("--backend dask", "dask is not installed: pip install 'redmud[dask]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=scheduler_timeout)
        except (OSError, TimeoutError) as err:
            raise InputError("--scheduler", f"no Dask scheduler answered at {scheduler} within "
                                            f"{scheduler_timeout:g} s ({err.__class__.__name__})") from None
        cluster = None
    else:
        # the dashboard on any free port: two runs (or a run and a test) must not race for 8787
        cluster = LocalCluster(n_workers=min(os.cpu_count() or 1, 4), threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        client = Client(cluster)
        log.info("Dask dashboard: %s", client.dashboard_link)
    try:
        futures = {client.submit(evaluate_chunk, start, stop, pure=False): i for i, (start, stop) in todo}
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress(total: int, done: int, enabled: bool | None):
    """A tqdm bar on a terminal (stderr) counting samples, nothing otherwise."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return _NoBar()
    from tqdm import tqdm
    # a terminal that reports no size (some containers' ptys: 0 x 0) would hide the bar
    size = shutil.get_terminal_size((80, 24))
    return tqdm(total=total, initial=done, unit="sample", unit_scale=True, file=sys.stderr, smoothing=0.1,
                ncols=size.columns or 80, nrows=size.lines or 24)
