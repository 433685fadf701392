"""Sweeps split for a cluster: ``sosim sweep FILE --shard K/N`` runs disjoint slices of the runs
(by run key), and ``sosim sweep merge`` joins them into exactly the runs of the unsharded sweep;
shards of different sweeps, repeated, missing or unfinished shards are refused with one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.sweep import load_sweep, make_plan, read_monthly, read_runs, run_sweep
from analysis.sweep.merge import merge_shards
from analysis.sweep.plan import shard_of
from analysis.sweep.spec import SweepError
from sosim.cli import app

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "kerala_baseline.yaml"

TINY = f"""
name: tiny
base: {BASE}
set: {{end: 2000-06}}
design: grid
replications: 2
seed: 5
parameters:
  mission_withdraws: {{values: [none, 2000]}}
  payments.public_mean_delay_months: {{values: [2, 9]}}
outcomes:
  summary: [units_founded, units_alive_end, arrears_end_usd]
  alive_at: [end]
  monthly: [units_alive, arrears]
"""
N = 3


def comparable(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return read_runs(out).drop(columns=["wall_time_s"]), read_monthly(out)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("shards")
    sweep_file = d / "tiny.yaml"
    sweep_file.write_text(TINY)
    whole = d / "whole"
    run_sweep(load_sweep(sweep_file), whole, part_size=3)
    paths = {"file": sweep_file, "whole": whole}
    for k in range(1, N + 1):
        res = CliRunner().invoke(app, ["sweep", str(sweep_file), "--shard", f"{k}/{N}",
                                       "--out", str(d / f"s{k}"), "-q", "--part-size", "2"])
        assert res.exit_code == 0, res.output
        paths[f"s{k}"] = d / f"s{k}"
    return paths


def test_shards_are_disjoint_slices_by_run_key_that_cover_the_sweep(folders):
    plan = make_plan(load_sweep(folders["file"]))
    keys = [set(read_runs(folders[f"s{k}"])["key"]) for k in range(1, N + 1)]
    assert sum(len(k) for k in keys) == plan.total == 8
    assert all(keys)  # each shard has runs here: the merge below joins three real parts
    assert set().union(*keys) == plan.keys()
    for k, ks in enumerate(keys, start=1):
        assert all(shard_of(key, N) == k for key in ks)
        info = json.loads((folders[f"s{k}"] / "sweep.json").read_text())["shard"]
        assert info == {"index": k, "count": N, "runs": len(ks)}
        assert json.loads((folders[f"s{k}"] / "manifest.json").read_text())["complete"]


def test_sharded_and_merged_equals_unsharded(folders, tmp_path):
    out = tmp_path / "merged"
    res = CliRunner().invoke(app, ["sweep", "merge", *(str(folders[f"s{k}"])
                                                       for k in (2, 3, 1)), "--out", str(out)])
    assert res.exit_code == 0, res.output
    a, am = comparable(folders["whole"])
    b, bm = comparable(out)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(am, bm)
    whole_meta = json.loads((folders["whole"] / "sweep.json").read_text())
    assert json.loads((out / "sweep.json").read_text()) == whole_meta
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["recorded_runs"] == 8
    # the merged folder is the unsharded sweep's: resuming it runs nothing
    rep = run_sweep(load_sweep(folders["file"]), out, resume=True)
    assert rep.ran == 0 and rep.recorded == 8


def _one_error(args: list[str]) -> str:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    return lines[0]


def test_merge_refuses_missing_repeated_and_foreign_shards(folders, tmp_path):
    s1, s2, s3 = (str(folders[f"s{k}"]) for k in (1, 2, 3))
    out = str(tmp_path / "m")
    assert "missing shard(s) 3/3" in _one_error(["sweep", "merge", s1, s2, "--out", out])
    assert "given twice" in _one_error(["sweep", "merge", s1, s2, s2, s3, "--out", out])
    assert "not a shard" in _one_error(["sweep", "merge", s1, str(folders["whole"]), s3,
                                        "--out", out])
    # a shard of another sweep (another root seed)
    other_file = tmp_path / "other.yaml"
    other_file.write_text(TINY.replace("seed: 5", "seed: 6"))
    other = tmp_path / "o3"
    run_sweep(load_sweep(other_file), other, shard=(3, N))
    assert "another sweep" in _one_error(["sweep", "merge", s1, s2, str(other), "--out", out])
    assert not Path(out).exists()  # nothing half-written


def test_merge_refuses_an_unfinished_shard_and_overlapping_runs(folders, tmp_path):
    cut = tmp_path / "cut"
    shutil.copytree(folders["s1"], cut)
    parts = sorted((cut / "runs").glob("part-*.parquet"))
    parts[-1].unlink()
    with pytest.raises(SweepError, match="unfinished"):
        merge_shards([cut, folders["s2"], folders["s3"]], tmp_path / "m1")
    # a run recorded in two shards: shard 2's parts copied into shard 3 as well
    both = tmp_path / "both"
    shutil.copytree(folders["s3"], both)
    for p in (folders["s2"] / "runs").glob("part-*.parquet"):
        shutil.copyfile(p, both / "runs" / p.name.replace("part-0", "part-9"))
    with pytest.raises(SweepError, match="do not belong to shard 3/3"):
        merge_shards([folders["s1"], folders["s2"], both], tmp_path / "m2")
    assert not (tmp_path / "m1").exists() and not (tmp_path / "m2").exists()


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0"])
def test_bad_shard_option_gets_one_line(folders, tmp_path, text):
    line = _one_error(["sweep", str(folders["file"]), "--shard", text, "--out",
                       str(tmp_path / "x")])
    assert "--shard" in line and "K/N" in line


def test_resume_of_a_shard_needs_the_same_shard(folders, tmp_path):
    copy = tmp_path / "s1"
    shutil.copytree(folders["s1"], copy)
    line = _one_error(["sweep", str(folders["file"]), "--shard", "2/3", "--out", str(copy),
                       "--resume", "-q"])
    assert "holds shard 1/3, this is shard 2/3" in line
    rep = run_sweep(load_sweep(folders["file"]), copy, resume=True, shard=(1, N))
    assert rep.ran == 0


# --------------------------------------------------------------------------- lost Dask workers
def test_dask_sweep_reruns_a_lost_workers_run_and_ends_with_every_run(folders, tmp_path,
                                                                      monkeypatch):
    pytest.importorskip("distributed", reason="the [dask] extra is not installed")
    # the worker running run 5 dies mid-run (once): Dask runs it again on a worker
    marker = tmp_path / "crashed-once"
    monkeypatch.setenv("SOSIM_WORKER_CRASH", f"5:{marker}")
    out = tmp_path / "dask"
    rep = run_sweep(load_sweep(folders["file"]), out, workers=2, backend="dask", part_size=3)
    assert marker.exists()  # the worker did die
    assert rep.recorded == 8 and rep.lost == 0
    a, am = comparable(folders["whole"])
    b, bm = comparable(out)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(am, bm)


def test_dask_run_whose_workers_keep_dying_is_left_for_resume(folders, tmp_path, monkeypatch):
    pytest.importorskip("distributed", reason="the [dask] extra is not installed")
    import dask

    monkeypatch.setenv("SOSIM_WORKER_CRASH", "2:always")
    out = tmp_path / "dask"
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        rep = run_sweep(load_sweep(folders["file"]), out, workers=2, backend="dask")
    # the sweep went on without it (with no failure allowed, a run that was waiting on the
    # dying worker is lost with it too)
    assert rep.lost >= 1 and rep.recorded == 8 - rep.lost and rep.recorded >= 4
    assert 2 not in set(read_runs(out)["run"])
    assert not json.loads((out / "manifest.json").read_text())["complete"]
    monkeypatch.delenv("SOSIM_WORKER_CRASH")
    lost = rep.lost
    rep = run_sweep(load_sweep(folders["file"]), out, resume=True)
    assert rep.ran == lost and rep.recorded == 8
    a, _ = comparable(folders["whole"])
    b, _ = comparable(out)
    pd.testing.assert_frame_equal(a, b)


def test_dry_run_of_a_shard_counts_its_runs(folders):
    res = CliRunner().invoke(app, ["sweep", str(folders["file"]), "--dry-run", "--shard", "2/3"])
    assert res.exit_code == 0, res.output
    mine = len(read_runs(folders["s2"]))
    assert f"shard 2/3: {mine} of the 8 runs" in res.output


def test_resuming_a_shard_under_another_model_version_says_the_version(folders, tmp_path):
    """The shard check compared the whole shard record, its run count too, so a resume that
    differed only in the model version (or the number of posterior draws) was told to give the
    same --shard, which it had: the check now compares which slice, and the version is named."""
    sw = load_sweep(folders["file"])
    out = tmp_path / "s1"
    run_sweep(sw, out, shard=(1, N), version="a")
    with pytest.raises(SweepError) as err:
        run_sweep(sw, out, shard=(1, N), version="b", resume=True)
    assert "version" in str(err.value) and "--shard" not in str(err.value)
    with pytest.raises(SweepError, match="give the same --shard"):
        run_sweep(sw, out, shard=(2, N), version="a", resume=True)
