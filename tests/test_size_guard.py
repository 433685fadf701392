"""The size guard (issue 17, item 11): a run's memory and time are estimated from its scenario
before the world is built, and a run (or a sweep's or comparison's runs on every worker at once)
past this machine's memory is refused in one line, exit 2; ``--allow-large`` overrides.
``--set formation.schedule.training.1999=100000000`` ran for minutes at 1.7 GB with no word."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim.model
import sim.size
from analysis.sweep import load_sweep
from analysis.sweep.dryrun import check_sweep_size, largest_run
from sim import load_scenario
from sim.scenario import ScenarioError
from sim.size import estimate
from sosim.cli import app

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "kerala_baseline.yaml"
GB = 1e9


def test_the_estimate_grows_with_the_schedule_and_the_founding_members():
    base = estimate(load_scenario(BASE))
    assert base.units == 232 and base.people == 2320 and base.months == 264
    more = estimate(load_scenario(BASE, overrides=["formation.schedule.training.2000=10010"]))
    assert more.units == base.units + 10_000 and more.bytes > base.bytes
    assert more.seconds > base.seconds
    wider = estimate(load_scenario(BASE, overrides=["formation.founding_members=20"]))
    assert wider.people == 2 * base.people and wider.bytes > base.bytes
    shorter = estimate(load_scenario(BASE, overrides=["end=2004-12"]))
    assert shorter.seconds < base.seconds


def no_world(*_: object, **__: object) -> None:
    raise AssertionError("the world was built before the size guard refused the run")


def test_a_run_past_the_machines_memory_is_refused_before_the_world_is_built(
        tmp_path, monkeypatch):
    need = estimate(load_scenario(BASE)).bytes
    monkeypatch.setattr(sim.size, "machine_memory", lambda: need / 2)
    monkeypatch.setattr(sim.model.SocialOutsourcingModel, "__init__", no_world)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(BASE), "--out", str(out)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert lines == [f"error: {BASE}: formation.schedule: a run would need about "
                     f"{need / 1e6:,.1f} MB of memory (232 units, 2,320 members) and about 0 s; "
                     f"this machine has {need / 2e6:,.1f} MB: pass --allow-large to run it "
                     "anyway"], lines
    assert list(tmp_path.iterdir()) == []


def test_allow_large_runs_it_anyway(monkeypatch):
    monkeypatch.setattr(sim.size, "machine_memory", lambda: 1e6)
    args = ["run", str(BASE), "--set", "end=1999-06", "--quiet"]
    assert CliRunner().invoke(app, args).exit_code == 2
    res = CliRunner().invoke(app, [*args, "--allow-large"])
    assert res.exit_code == 0, res.output


def test_the_issues_huge_schedule_is_refused_at_once_in_a_real_process():
    sets = [a for y in range(1999, 2021)
            for a in ("--set", f"formation.schedule.training.{y}=1000000")]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sosim", "run", str(BASE), *sets], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    seconds = time.perf_counter() - t0
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "22,000,081 units, 220,000,810 members" in lines[0], lines
    assert "Traceback" not in proc.stderr and seconds < 30


SWEEP = f"""
name: sizes
base: {BASE}
set: {{end: 2000-06}}
design: grid
parameters:
  formation.schedule.training.2000: {{values: [10, 20010]}}
"""


def test_a_sweep_is_judged_by_its_largest_point_on_every_worker(tmp_path, monkeypatch):
    f = tmp_path / "sweep.yaml"
    f.write_text(SWEEP)
    sw = load_sweep(f)
    largest = largest_run(sw)
    assert largest.units == 232 + 20_000  # the second point, not the base's 232
    monkeypatch.setattr(sim.size, "machine_memory", lambda: largest.bytes * 1.5)
    check_sweep_size(sw, str(f), workers=1)
    with pytest.raises(ScenarioError, match="on each of 2 workers") as info:
        check_sweep_size(sw, str(f), workers=2)
    assert info.value.problems[0][:2] == (str(f), "formation.schedule")
    check_sweep_size(sw, str(f), workers=2, allow_large=True)
    res = CliRunner().invoke(app, ["sweep", str(f), "--out", str(tmp_path / "out"),
                                   "--workers", "2"])
    assert res.exit_code == 2 and "pass --allow-large" in res.output, res.output
    assert not (tmp_path / "out").exists()


def test_a_comparison_past_the_machines_memory_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sim.size, "machine_memory", lambda: 1e6)
    monkeypatch.setattr(sim.model.SocialOutsourcingModel, "__init__", no_world)
    out = tmp_path / "cmp"
    res = CliRunner().invoke(app, ["compare", str(BASE), "--out", str(out), "--reps", "1"])
    assert res.exit_code == 2 and "formation.schedule: a run would need" in res.output
    assert not out.exists()
