"""The benchmark code runs (a smoke test on a short horizon; no timing is asserted)."""

import json
import subprocess
import sys
from pathlib import Path

from benchmarks import bench_model
from sim import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_prints_and_writes_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    r = json.loads(out.read_text())
    for key in ("baseline", "bare_dispatch", "boltzmann"):
        assert r[key]["agent_months_per_s"]["median"] > 0
    assert r["baseline"]["peak_rss_mb"] > 0
    assert [s["factor"] for s in r["scaling"]] == [1, 2]
    assert r["scaling"][1]["units_formed"] == 2 * r["scaling"][0]["units_formed"]
    assert "ratio of our throughput to bare dispatch" in proc.stdout
    assert set(r["targets"].values()) <= {"met", "NOT met"}
    assert r["cli_validate_s"]["min"] > 0
    # a cold compiled cache costs the compilation once; the warm first run loads it
    assert r["first_run"]["cold_first_run_s"] > r["first_run"]["warm_first_run_s"]["min"] > 0
    assert "compiling costs" in proc.stdout


def test_the_national_scenario_is_the_baseline_times_100():
    """national.yaml restates calibrated values x100; recalibration must carry over to it."""
    nat = load_scenario(ROOT / "scenarios" / "bench" / "national.yaml")
    assert sum(sum(v.values()) for v in nat.formation.schedule.values()) == 23_200
    assert bench_model.national_matches_baseline()
