"""Sweep benchmark: wall time, speed-up and peak memory of a baseline sweep on 1 and N workers.

Acceptance (issue 3): a 1,000-run sweep of the Kerala baseline on 2 workers keeps the peak memory
of the whole process tree under 1 GB and runs at >= 1.7x the speed of 1 worker.

    .venv/bin/python benchmarks/bench_sweep.py --runs 1000 --workers 1 2 --json out/bench_sweep.json
    .venv/bin/python benchmarks/bench_sweep.py --runs 40 --end 2005-12      # a quick look

Each measurement runs ``sosim sweep`` as a subprocess (the design: payment delays x replications
of the baseline, 1999 to ``--end``) and samples the resident memory of that process and all its
descendants (pool workers, fork server) every 0.1 s with psutil; the peak of that sum (shared
pages counted in every process, so an upper bound) is reported, with the largest single process
from ``getrusage(RUSAGE_CHILDREN)``. Timings on a shared machine are noisy: re-measure on an idle
one before quoting them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "kerala_baseline.yaml"


def sweep_file(folder: Path, runs: int, end: str) -> Path:
    """The benchmark sweep: up to 10 payment delays x replications, ``runs`` runs in all."""
    points = next(p for p in (10, 8, 5, 4, 2, 1) if runs % p == 0)
    delays = [round(1 + 11 * i / max(points - 1, 1), 2) for i in range(points)]
    text = (f"name: bench\nbase: {BASE}\nset: {{end: {end}}}\ndesign: grid\n"
            f"replications: {runs // points}\nseed: 1\n"
            f"parameters:\n  payments.public_mean_delay_months: {{values: {delays}}}\n")
    f = folder / "bench.yaml"
    f.write_text(text)
    return f


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(sweep: Path, out: Path, workers: int, backend: str) -> dict:
    cmd = [sys.executable, "-m", "sosim", "sweep", str(sweep), "--out", str(out),
           "--workers", str(workers), "--backend", backend, "--quiet"]
    t0 = time.perf_counter()
    popen = subprocess.Popen(cmd, cwd=ROOT)
    proc = psutil.Process(popen.pid)
    peak = 0
    while popen.poll() is None:
        try:
            peak = max(peak, tree_rss(proc))
        except psutil.Error:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - t0
    if popen.returncode != 0:
        raise SystemExit(f"sweep failed with exit code {popen.returncode}")
    manifest = json.loads((out / "manifest.json").read_text())
    return {
        "workers": workers,
        "backend": backend,
        "runs": manifest["recorded_runs"],
        "failed": manifest["failed_runs"],
        "seconds": round(seconds, 2),
        "runs_per_second": round(manifest["recorded_runs"] / seconds, 3),
        "peak_tree_rss_mb": round(peak / 2**20, 1),
        "output_mb": round(sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20,
                           2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--backend", choices=["processes", "dask"], default="processes")
    ap.add_argument("--end", default="2020-12", help="last simulated month (default 2020-12)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        folder = Path(tmp)
        sweep = sweep_file(folder, args.runs, args.end)
        for w in args.workers:
            r = measure(sweep, folder / f"out_{w}", w, args.backend)
            results.append(r)
            print(f"{w} worker(s): {r['runs']} runs in {r['seconds']:.1f} s "
                  f"({r['runs_per_second']:.2f} runs/s), peak memory of the process tree "
                  f"{r['peak_tree_rss_mb']:.0f} MB, output {r['output_mb']:.1f} MB", flush=True)
    one = next((r for r in results if r["workers"] == 1), None)
    for r in results:
        r["speedup_vs_1"] = round(r["runs_per_second"] / one["runs_per_second"], 2) if one else None
    if one:
        for r in results[1:]:
            print(f"speed-up on {r['workers']} workers: {r['speedup_vs_1']:.2f}x "
                  f"(target >= 1.7x on 2); peak {r['peak_tree_rss_mb']:.0f} MB (target < 1024)")
    report = {
        "benchmark": "sweep",
        "runs": args.runs,
        "end": args.end,
        "results": results,
        "largest_child_maxrss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(),
                    "load_avg_1m_at_end": round(os.getloadavg()[0], 2)},
        "note": "shared machine: timings are noisy; re-measure on an idle one",
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
