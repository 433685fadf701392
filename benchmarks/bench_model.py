"""Speed and scale of one run, against Mesa 3.5's own reference models (issue 6).

    .venv/bin/python -m benchmarks                 # everything (make bench); a few minutes
    .venv/bin/python -m benchmarks --quick         # a smoke run on a short horizon (seconds)
    .venv/bin/python -m benchmarks --reps 7 --scales 1 10 100 --json out/bench.json

**Agent-months.** A live agent-month is one agent that exists in the simulated world in one
month: units open that month + active core members of open units + public clients still buying
(agencies, and schools that have not insourced) + the mission + the private market, summed over
the months of the run. Closed units and women who have left are not counted (their handles stay
in ``model.agents`` for inspection, but no mechanism works on them), nor are employees and casual
workers (counts on a unit, not agents). Throughput = live agent-months / run time (the monthly
steps with data collection; building the model is timed separately, assembling the output tables
is timed as ``tables_s``).

**References**, in the same process and interleaved with our runs so that they share the load of
the machine, with N = our mean live agents per month and the same number of steps:

- *bare dispatch*: N Mesa agents whose ``step`` only increments a counter, activated by
  ``model.agents.shuffle_do("step")`` - the ceiling of Mesa's per-agent dispatch;
- *BoltzmannWealth*: Mesa's bundled example (``mesa.examples``), N agents on a square grid of
  about one cell per agent (its own density: 100 agents on 10 x 10), with its data collection.

Each figure is the median of ``--reps`` runs (different seeds for ours) with the spread
(min-max). Scaling runs the baseline's world x1, x10 and x100 (``scaled``; the x100 world ships
as ``scenarios/bench/national.yaml``) each in a fresh process, for its own peak memory (high-water
resident set of that process, interpreter and libraries included). Timings on a shared machine
are noisy: re-run on an idle one before quoting them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import mesa
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "kerala_baseline.yaml"
NATIONAL = ROOT / "scenarios" / "bench" / "national.yaml"

# what a national programme multiplies: counts for the whole system (see national.yaml)
SYSTEM_COUNTS = (
    ("demand", "digitisation", "initial_stock"),
    ("demand", "digitisation", "new_records_per_month"),
    ("demand", "digitisation", "orders_per_month"),
    ("demand", "schools", "pool_size"),
    ("demand", "hardware", "orders_per_month"),
    ("demand", "hardware", "amc_per_month"),
    # the local private markets are per area (issue 14): x factor areas keep each market's
    # size and its sellers per area as in the baseline
    ("marketing", "areas"),
)

TARGETS = {
    "ratio_vs_bare_dispatch": 1.0,  # our agent-months/s over Mesa's bare shuffle_do ceiling
    "ratio_vs_boltzmann": 5.0,  # ... over Mesa's BoltzmannWealth
    "linear_cost": 1.5,  # largest / smallest time per unit-month over the scales
    "national_seconds": 20.0,  # the x100 run (issue 15; 60 s before)
    "national_peak_gb": 2.0,  # (issue 15; 4 GB before)
    "cli_help_seconds": 0.5,  # `sosim --help`, best of 5 fresh processes (issue 13)
    "cli_validate_seconds": 1.0,  # `sosim validate` of the baseline, best of 5 (issue 15)
}


# ------------------------------------------------------------------ the worlds
def scaled(scenario, factor: int):
    """The scenario's world x ``factor``: the formation schedule and the system-wide demand
    (records stock, inflow and drives, orders, maintenance contracts, schools, areas); per-unit
    economics unchanged."""
    from sim.scenario import Scenario

    if factor == 1:
        return scenario
    d = scenario.model_dump()
    sched = d["formation"]["schedule"]
    for line in sched:
        sched[line] = {year: count * factor for year, count in sched[line].items()}
    drives = d["demand"]["digitisation"]["records_added_by_year"]
    d["demand"]["digitisation"]["records_added_by_year"] = {
        year: records * factor for year, records in drives.items()
    }
    for path in SYSTEM_COUNTS:
        node = d
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = node[path[-1]] * factor
    d["name"] = f"{scenario.name}_x{factor}"
    return Scenario.model_validate(d)


def load_world(factor: int, end: str | None):
    """Baseline x factor (x100: the shipped national.yaml), optionally cut at ``end``."""
    from sim import load_scenario
    from sim.scenario import scenario_with

    sc = load_scenario(NATIONAL) if factor == 100 else scaled(load_scenario(BASELINE), factor)
    return scenario_with(sc, {"end": end}) if end else sc


def national_matches_baseline() -> bool:
    """Whether national.yaml is still exactly the baseline x 100 (it restates calibrated
    values, which recalibration may move)."""
    from sim import load_scenario

    skip = {"name", "description"}
    a = load_scenario(NATIONAL).model_dump(exclude=skip)
    b = scaled(load_scenario(BASELINE), 100).model_dump(exclude=skip)
    return _same(a, b)


def _same(a: Any, b: Any) -> bool:
    """Equal, numbers up to the last bit of a product (4.02 x 100 is 401.99999999999994)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(
            a, b, rel_tol=1e-12, abs_tol=0.0)
    return a == b


# ------------------------------------------------------------------ our model
def live_agents_by_month(model) -> np.ndarray:
    """Live agents in each month of a finished run (see the module docstring)."""
    from sim.mechanisms import demand

    ts = model.recorder.monthly
    units = np.array([r["units_alive"] for r in ts])
    members = np.array([r["core_members"] for r in ts])
    C = model.C
    months = len(ts)
    agencies = int((C.kind != demand.SCHOOL).sum())
    schools = C.kind == demand.SCHOOL
    gone = C.insourced[schools & (C.insourced >= 0)]
    insourced_by = np.cumsum(np.bincount(gone, minlength=months)[:months])
    clients = agencies + int(schools.sum()) - insourced_by
    return units + members + clients + 2  # + the mission and the private market


def time_sosim(scenario, seed: int) -> dict[str, Any]:
    """Build, run and tabulate one run; return its timings and counts."""
    from sim.model import SocialOutsourcingModel
    from sim.outputs import result

    t0 = time.perf_counter()
    model = SocialOutsourcingModel(scenario, seed=seed)
    t1 = time.perf_counter()
    c1 = time.process_time()
    model.run()
    t2 = time.perf_counter()
    run_cpu = time.process_time() - c1
    result(model)
    t3 = time.perf_counter()
    live = live_agents_by_month(model)
    unit_months = int(sum(r["units_alive"] for r in model.recorder.monthly))
    return {
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        # CPU time of this process over the run: on a shared machine, less moved by the load
        "run_cpu_s": run_cpu,
        "tables_s": t3 - t2,
        "months": int(model.t),
        "agent_months": int(live.sum()),
        "unit_months": unit_months,
        "mean_live_agents": float(live.mean()),
        "mesa_agents_end": len(model.agents),
        "units_formed": int(model.E.n),
        "members_ever": int(model.M.n),
    }


# ------------------------------------------------------------------ Mesa's references
class CounterAgent(mesa.Agent):
    """Does nothing but count: the cost of Mesa's dispatch alone."""

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.count = 0

    def step(self) -> None:
        self.count += 1


class BareDispatch(mesa.Model):
    """N counter agents activated in random order each step."""

    def __init__(self, n: int, seed: int = 0):
        super().__init__(rng=seed)
        CounterAgent.create_agents(self, n)

    def step(self) -> None:
        self.agents.shuffle_do("step")


def time_reference(kind: str, n: int, steps: int, seed: int) -> dict[str, Any]:
    """Build and run one reference model with n agents for ``steps`` steps."""
    t0 = time.perf_counter()
    if kind == "bare_dispatch":
        model = BareDispatch(n, seed)
    else:
        from mesa.examples import BoltzmannWealth
        from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario

        side = max(1, round(math.sqrt(n)))
        model = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=seed))
    t1 = time.perf_counter()
    for _ in range(steps):
        model.step()
    t2 = time.perf_counter()
    return {"build_s": t1 - t0, "run_s": t2 - t1, "agent_months": n * steps}


# ------------------------------------------------------------------ helpers
def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def peak_rss_mb() -> float:
    """Peak resident memory of this process [MB]: VmHWM (reset at exec, unlike ru_maxrss,
    which Linux carries over from the parent that started us)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def in_fresh_process(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m benchmarks.bench_model --child ...`` and return its JSON line."""
    cmd = [sys.executable, "-m", "benchmarks.bench_model", "--child", *args]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False,
                         env=None if env is None else {**os.environ, **env})
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(argv: list[str]) -> None:
    """One measurement in this (fresh) process; print it as one JSON line."""
    kind = argv[0]
    if kind == "scale":
        factor, end, seed = int(argv[1]), (argv[2] or None), int(argv[3])
        r = time_sosim(load_world(factor, end), seed)
        r["factor"] = factor
    elif kind == "first":  # the first run of a fresh process: imports and compiled code too
        t0 = time.perf_counter()
        from sim.model import SocialOutsourcingModel

        model = SocialOutsourcingModel(load_world(int(argv[1]), argv[2] or None), seed=1)
        model.run()
        r = {"first_run_s": time.perf_counter() - t0}
    else:
        r = time_reference(kind, int(argv[1]), int(argv[2]), int(argv[3]))
    r["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(r))


def sweep_throughput(runs: int, end: str) -> dict[str, Any] | str:
    """Runs per second of the sweep engine on 1 and 2 workers (benchmarks/bench_sweep.py)."""
    try:
        import tempfile

        from benchmarks import bench_sweep
    except ImportError:
        return "sweep engine not available"
    try:
        out = {}
        with tempfile.TemporaryDirectory(prefix="bench_model_sweep_") as tmp:
            sweep = bench_sweep.sweep_file(Path(tmp), runs, end)
            for w in (1, 2):
                r = bench_sweep.measure(sweep, Path(tmp) / f"out_{w}", w, "processes")
                out[f"workers_{w}"] = r
        out["speedup_2_vs_1"] = (
            out["workers_2"]["runs_per_second"] / out["workers_1"]["runs_per_second"]
        )
        return out
    except (Exception, SystemExit) as e:  # the engine exists but cannot run here
        return f"sweep engine not available ({type(e).__name__}: {e})"


def cli_help_seconds(reps: int = 5, args: tuple[str, ...] = ("--help",)) -> dict[str, float]:
    """Wall time of ``python -m sosim --help`` (or other ``args``) in fresh processes:
    interpreter start, the command's imports (typer, rich; the model and analysis are imported
    only by the commands that need them) and the command itself."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sosim", *args], cwd=ROOT, check=True,
                       capture_output=True)
        times.append(time.perf_counter() - t0)
    return summary(times)


COLD_WORLD = (10, "2004-12")  # x10 to 2004: big enough to run the compiled allocation loop


def cold_and_warm(factor: int, end: str, reps: int) -> dict[str, Any]:
    """The first run of the baseline x ``factor`` to ``end`` in a fresh process, with the
    compiled kernels' cache empty (cold: numba compiles them) and then filled (warm: loaded
    from the cache, as sweep workers do); each includes importing ``sim`` and numba and
    loading the scenario (NumPy and Mesa are loaded by then). The difference is the compile
    cost, paid once per machine (or per change of the kernel's source)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench_numba_cache_") as cache:
        env = {"NUMBA_CACHE_DIR": cache}
        cold = in_fresh_process("first", str(factor), end, env=env)["first_run_s"]
        warm = [in_fresh_process("first", str(factor), end, env=env)["first_run_s"]
                for _ in range(max(reps, 1))]
    return {"world": f"x{factor} to {end}", "cold_first_run_s": cold,
            "warm_first_run_s": summary(warm), "compile_s": cold - statistics.median(warm)}


def big_point(factor: int, end: str) -> dict[str, Any] | str:
    """One run of the baseline x ``factor`` up to ``end`` in a fresh process (time, memory),
    or why it cannot run (the last line of its error: e.g. a scaled count above the schema's
    bound)."""
    try:
        x = in_fresh_process("scale", str(factor), end, "1")
    except RuntimeError as e:
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        head = next((i for i, ln in enumerate(lines) if "validation error" in ln), None)
        if head is not None and head + 2 < len(lines):  # pydantic: the key, then the reason
            return f"x{factor} cannot run: {lines[head + 1]}: {lines[head + 2]}"
        return f"x{factor} cannot run: {lines[-1] if lines else 'failed'}"
    return {
        "factor": factor, "end": end, "units_formed": x["units_formed"],
        "members_ever": x["members_ever"], "unit_months": x["unit_months"],
        "run_s": x["run_s"], "run_cpu_s": x["run_cpu_s"], "build_s": x["build_s"],
        "tables_s": x["tables_s"],
        "us_per_unit_month": 1e6 * x["run_s"] / x["unit_months"],
        "peak_rss_mb": x["peak_rss_mb"],
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


# ------------------------------------------------------------------ the benchmark
def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    from sim import load_scenario
    from sim.scenario import scenario_with

    end = args.end
    base = load_scenario(BASELINE)
    if end:
        base = scenario_with(base, {"end": end})
    report: dict[str, Any] = {
        "benchmark": "model",
        "definition": (
            "live agent-months: open units + active core members of open units + public "
            "clients still buying + mission + private market, summed over months; "
            "throughput = agent-months / run time of the monthly steps"
        ),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "mesa": mesa.__version__,
            "numpy": np.__version__,
            "platform": platform.platform(),
            "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
        },
    }

    # 1. the baseline and Mesa's references, interleaved, in this process
    warm = time_sosim(base, 0)  # warm-up (imports, caches); also fixes N and the steps
    n, steps = round(warm["mean_live_agents"]), warm["months"]
    time_reference("bare_dispatch", n, min(steps, 12), 0)
    time_reference("boltzmann", n, min(steps, 12), 0)
    ours, bare, boltz = [], [], []
    for r in range(args.reps):
        ours.append(time_sosim(base, 1 + r))
        bare.append(time_reference("bare_dispatch", n, steps, 1 + r))
        boltz.append(time_reference("boltzmann", n, steps, 1 + r))

    def block(rows: list[dict[str, Any]]) -> dict[str, Any]:
        thr = [x["agent_months"] / x["run_s"] for x in rows]
        out = {
            "build_s": summary([x["build_s"] for x in rows]),
            "run_s": summary([x["run_s"] for x in rows]),
            "agent_months_per_s": summary(thr),
            "agent_months": rows[0]["agent_months"],
        }
        if "tables_s" in rows[0]:
            out["run_cpu_s"] = summary([x["run_cpu_s"] for x in rows])
            out["tables_s"] = summary([x["tables_s"] for x in rows])
            out["unit_months"] = rows[0]["unit_months"]
            out["mesa_agents_end"] = rows[0]["mesa_agents_end"]
        return out

    report["baseline"] = block(ours)
    report["reps"] = args.reps
    report["baseline"]["months"] = steps
    report["baseline"]["mean_live_agents"] = n
    report["bare_dispatch"] = block(bare)
    report["boltzmann"] = block(boltz)
    ours_thr = report["baseline"]["agent_months_per_s"]["median"]
    report["ratio_vs_bare_dispatch"] = ours_thr / report["bare_dispatch"]["agent_months_per_s"][
        "median"]
    report["ratio_vs_boltzmann"] = ours_thr / report["boltzmann"]["agent_months_per_s"]["median"]

    # peak memory of each, in fresh processes
    for kind in ("bare_dispatch", "boltzmann"):
        report[kind]["peak_rss_mb"] = (
            None if args.quick else in_fresh_process(kind, str(n), str(steps), "1")["peak_rss_mb"]
        )

    # 2. scaling, each size in a fresh process
    scaling = []
    for f in args.scales:
        reps = args.reps if f == 1 else (args.scale_reps if f < 100 else 1)
        rows = [in_fresh_process("scale", str(f), end or "", str(1 + r)) for r in range(reps)]
        run_s = [x["run_s"] for x in rows]
        scaling.append(
            {
                "factor": f,
                "units_formed": rows[0]["units_formed"],
                "members_ever": rows[0]["members_ever"],
                "unit_months": rows[0]["unit_months"],
                "agent_months": rows[0]["agent_months"],
                "build_s": summary([x["build_s"] for x in rows]),
                "run_s": summary(run_s),
                "run_cpu_s": summary([x["run_cpu_s"] for x in rows]),
                "us_per_unit_month": summary(
                    [1e6 * x["run_s"] / x["unit_months"] for x in rows]),
                "agent_months_per_s": summary([x["agent_months"] / x["run_s"] for x in rows]),
                "peak_rss_mb": max(x["peak_rss_mb"] for x in rows),
            }
        )
    report["scaling"] = scaling
    one = next((x for x in scaling if x["factor"] == 1), None)
    report["baseline"]["peak_rss_mb"] = (
        one["peak_rss_mb"] if one else in_fresh_process("scale", "1", end or "", "1")[
            "peak_rss_mb"]
    )
    if 100 in args.scales:
        report["national_yaml_is_baseline_x100"] = national_matches_baseline()

    # 3. sweeps
    report["sweep"] = (
        sweep_throughput(args.sweep_runs, end or "2020-12") if args.sweep_runs else "skipped"
    )

    # 4. the command's start-up; the first run of a process, cold and warm compiled cache
    report["cli_help_s"] = cli_help_seconds()
    report["cli_validate_s"] = cli_help_seconds(
        args=("validate", str(BASELINE.relative_to(ROOT))))
    report["first_run"] = cold_and_warm(
        COLD_WORLD[0], end or COLD_WORLD[1], 1 if args.quick else 3)

    # 5. a x1000 point (2.3 M members over the full run), on a shorter horizon
    report["x1000"] = (
        big_point(1000, args.x1000_end) if args.x1000_end != "none" else "skipped"
    )

    # 6. targets
    per_um = [s["us_per_unit_month"]["median"] for s in scaling]
    targets = {
        "ratio_vs_bare_dispatch >= 1.0": report["ratio_vs_bare_dispatch"]
        >= TARGETS["ratio_vs_bare_dispatch"],
        "ratio_vs_boltzmann >= 5.0": report["ratio_vs_boltzmann"] >= TARGETS["ratio_vs_boltzmann"],
    }
    if len(per_um) > 1:
        # linear cost: time per unit-month may not grow by more than 1.5x from the smallest
        # size to any larger one (it may fall: fixed costs a month spread over more units)
        growth = max(per_um[1:]) / per_um[0]
        targets["time per unit-month grows <= 1.5x from x1 to the largest size"] = (
            growth <= TARGETS["linear_cost"]
        )
        report["linear_cost_growth"] = growth
        report["linear_cost_spread"] = max(per_um) / min(per_um)
    nat = next((s for s in scaling if s["factor"] == 100), None)
    if nat:
        targets["x100 run < 20 s"] = nat["run_s"]["median"] < TARGETS["national_seconds"]
        targets["x100 peak memory < 2 GB"] = nat["peak_rss_mb"] < TARGETS["national_peak_gb"] * 1024
    targets["sosim --help < 0.5 s (best of 5)"] = (
        report["cli_help_s"]["min"] < TARGETS["cli_help_seconds"])
    targets["sosim validate < 1 s (best of 5)"] = (
        report["cli_validate_s"]["min"] < TARGETS["cli_validate_seconds"])
    report["targets"] = {k: verdict(v) for k, v in targets.items()}
    report["machine"]["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    report["note"] = "shared machine: timings are noisy; re-measure on an idle one"
    return report


def fmt(s: dict[str, float], unit: str = "s", scale: float = 1.0, digits: int = 3) -> str:
    return (f"{s['median'] * scale:.{digits}f} {unit} "
            f"[{s['min'] * scale:.{digits}f}-{s['max'] * scale:.{digits}f}]")


def print_report(r: dict[str, Any]) -> None:
    b = r["baseline"]
    print(f"sosim speed benchmark - Mesa {r['machine']['mesa']}, Python {r['machine']['python']},"
          f" {r['machine']['cpus']} CPUs, load {r['machine']['load_avg_1m_at_start']}")
    print(f"agent-months = {r['definition']}")
    print(f"\nKerala baseline, {b['months']} months, {b['mean_live_agents']} live agents a month "
          f"on average ({b['agent_months']:,} agent-months; {b['mesa_agents_end']:,} Mesa agents "
          f"at the end), median [min-max] of {r['reps']} runs:")
    print(f"  build {fmt(b['build_s'])}   run {fmt(b['run_s'])} (CPU {fmt(b['run_cpu_s'])})   "
          f"tables {fmt(b['tables_s'])}")
    print(f"  throughput {fmt(b['agent_months_per_s'], 'M agent-months/s', 1e-6, 2)}   "
          f"peak {b['peak_rss_mb']:.0f} MB")
    for key, name in (("bare_dispatch", "Mesa bare shuffle_do"),
                      ("boltzmann", "Mesa BoltzmannWealth")):
        x = r[key]
        print(f"{name} ({b['mean_live_agents']} agents x {b['months']} steps): build "
              f"{fmt(x['build_s'])}  run {fmt(x['run_s'])}  "
              f"{fmt(x['agent_months_per_s'], 'M agent-months/s', 1e-6, 2)}  "
              f"peak {x['peak_rss_mb'] or 0:.0f} MB")
    print(f"ratio of our throughput to bare dispatch: {r['ratio_vs_bare_dispatch']:.2f}x, "
          f"to BoltzmannWealth: {r['ratio_vs_boltzmann']:.2f}x")
    print("\nscaling (each size in a fresh process):")
    print(f"  {'size':>5} {'units':>7} {'members':>8} {'unit-months':>12} {'build s':>8} "
          f"{'run s':>22} {'CPU s':>7} {'us/unit-month':>22} {'M agent-m/s':>11} {'peak MB':>8}")
    for s in r["scaling"]:
        print(f"  {'x' + str(s['factor']):>5} {s['units_formed']:>7,} {s['members_ever']:>8,} "
              f"{s['unit_months']:>12,} {s['build_s']['median']:>8.3f} "
              f"{fmt(s['run_s'], '', 1, 2):>22} {s['run_cpu_s']['median']:>7.2f} "
              f"{fmt(s['us_per_unit_month'], '', 1, 1):>22} "
              f"{s['agent_months_per_s']['median'] / 1e6:>11.2f} {s['peak_rss_mb']:>8.0f}")
    if "linear_cost_growth" in r:
        print(f"  time per unit-month, largest of the bigger sizes / x1: "
              f"{r['linear_cost_growth']:.2f}; largest / smallest: {r['linear_cost_spread']:.2f}")
    if "national_yaml_is_baseline_x100" in r and not r["national_yaml_is_baseline_x100"]:
        print("  warning: scenarios/bench/national.yaml is no longer the baseline x 100 "
              "(recalibrated?); update it from benchmarks.bench_model.scaled")
    sw = r["sweep"]
    print("\nsweep throughput: ", end="")
    if isinstance(sw, str):
        print(sw)
    else:
        for w in (1, 2):
            x = sw[f"workers_{w}"]
            print(f"{w} worker(s) {x['runs_per_second']:.2f} runs/s ({x['runs']} runs, "
                  f"peak {x['peak_tree_rss_mb']:.0f} MB); ", end="")
        print(f"speed-up {sw['speedup_2_vs_1']:.2f}x")
    x = r["x1000"]
    if isinstance(x, str):
        print(f"  {x}")
    else:
        print(f"  x1000 to {x['end']}: {x['units_formed']:,} units, {x['members_ever']:,} members"
              f", run {x['run_s']:.1f} s ({x['us_per_unit_month']:.1f} us/unit-month), peak "
              f"{x['peak_rss_mb']:.0f} MB")
    print(f"\nsosim --help: {fmt(r['cli_help_s'])}; sosim validate (baseline): "
          f"{fmt(r['cli_validate_s'])} (median [min-max] of 5 fresh processes)")
    fr = r["first_run"]
    print(f"first run of a fresh process ({fr['world']}; imports + build + run): cold cache "
          f"{fr['cold_first_run_s']:.2f} s, warm {fmt(fr['warm_first_run_s'])}; compiling "
          f"costs {fr['compile_s']:.2f} s once")
    print("\ntargets:")
    for k, v in r["targets"].items():
        print(f"  {k}: {v}")
    print(f"\n({r['note']}; load at end {r['machine']['load_avg_1m_at_end']})")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1:])
        return 0
    ap = argparse.ArgumentParser(description="sosim speed and scale against Mesa's references")
    ap.add_argument("--reps", type=int, default=5, help="runs per figure (median, spread)")
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--scale-reps", type=int, default=3, help="runs of each size below x100")
    ap.add_argument("--end", default=None, help="last month (default: the scenario's, 2020-12)")
    ap.add_argument("--sweep-runs", type=int, default=20,
                    help="runs of the sweep-throughput figure (0: skip)")
    ap.add_argument("--x1000-end", default="2002-12",
                    help="horizon of the x1000 point ('none': skip); the full run would need "
                    "about ten times the x100 run's memory")
    ap.add_argument("--json", type=Path, default=ROOT / "out" / "bench.json")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 1999-2001, sizes x1 and x2, 1 rep, no sweep, no memory "
                    "of the references")
    args = ap.parse_args(argv)
    if args.quick:
        args.reps, args.scales, args.scale_reps = 1, [1, 2], 1
        args.end, args.sweep_runs, args.x1000_end = args.end or "2001-12", 0, "none"
    report = run_benchmark(args)
    print_report(report)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
