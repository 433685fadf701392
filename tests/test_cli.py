"""The sosim command: run, validate, schema, and every kind of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.outputs import TABLES
from sosim.cli import app
from tests.conftest import BASELINE, ROOT

runner = CliRunner()
SHORT = ["--set", "end=2002-12"]


def sosim(*args: str) -> subprocess.CompletedProcess:
    """Run the real command in a subprocess (as a user would)."""
    return subprocess.run([sys.executable, "-m", "sosim", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_run_prints_a_summary():
    res = runner.invoke(app, ["run", str(BASELINE), "--seed", "1", *SHORT])
    assert res.exit_code == 0, res.output
    for word in ("training", "data_entry", "hardware", "survival", "member earnings",
                 "household income", "arrears"):
        assert word in res.output


def test_summary_counts_the_people_working_and_the_years_revenue(short):
    """Headcount = core members + employees + casual workers (the presets' headline figure),
    read at the end of the field-work year like the other field-work figures."""
    from sim import run
    from sim.scenario import scenario_with

    short = scenario_with(short, {"end": "2005-12"})  # through the field-work year
    res = run(short, seed=1)
    ts = res.timeseries
    fw = ts.index[ts["date"] == pd.Timestamp(f"{short.field_work[:4]}-12-01")][0]
    row = ts.loc[fw]
    assert res.summary["headcount_field_work"] == (
        row["core_members"] + row["employees"] + row["casual_workers"])
    last = ts.iloc[-1]
    assert res.summary["headcount_end"] == (
        last["core_members"] + last["employees"] + last["casual_workers"])
    year = ts[ts["date"].dt.year == int(short.field_work[:4])]
    assert res.summary["revenue_field_work_year_usd"] == pytest.approx(year["revenue"].sum())
    assert res.summary["revenue_field_work_year_usd"] > 0


def test_run_writes_every_table_and_a_summary(tmp_path):
    out = tmp_path / "base"
    res = runner.invoke(app, ["run", str(BASELINE), "--seed", "1", "--out", str(out), *SHORT])
    assert res.exit_code == 0, res.output
    for name in TABLES:
        df = pd.read_parquet(out / f"{name}.parquet")
        assert len(df) > 0, name
    meta = json.loads((out / "summary.json").read_text())
    assert meta["seed"] == 1 and meta["version"]
    assert meta["scenario"]["name"] == "kerala_baseline"
    assert meta["scenario"]["end"] == "2002-12"
    assert not list(tmp_path.glob(".*tmp*"))


def test_no_spem_runs_too(tmp_path):
    out = tmp_path / "no_spem"
    res = runner.invoke(app, ["run", str(ROOT / "scenarios/no_spem.yaml"), "--seed", "1",
                              "--out", str(out), "--set", "end=2007-12", "--quiet"])
    assert res.exit_code == 0, res.output
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert not ts["mission_active"].iloc[-1]


def test_same_seed_writes_byte_identical_parquet(tmp_path):
    for name in ("a", "b"):
        res = runner.invoke(app, ["run", str(BASELINE), "--seed", "7", "--quiet",
                                  "--out", str(tmp_path / name), *SHORT])
        assert res.exit_code == 0
    for table in TABLES:
        a = (tmp_path / "a" / f"{table}.parquet").read_bytes()
        b = (tmp_path / "b" / f"{table}.parquet").read_bytes()
        assert a == b, table


def test_rerun_replaces_an_output_folder_whole(tmp_path):
    out = tmp_path / "o"
    for seed in ("1", "2"):
        assert runner.invoke(app, ["run", str(BASELINE), "--seed", seed, "--quiet",
                                   "--out", str(out), *SHORT]).exit_code == 0
    assert json.loads((out / "summary.json").read_text())["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_validate_accepts_the_shipped_scenarios():
    for f in ("kerala_baseline.yaml", "no_spem.yaml"):
        res = runner.invoke(app, ["validate", str(ROOT / "scenarios" / f)])
        assert res.exit_code == 0 and res.output.startswith("ok:")


def test_schema_prints_json_schema():
    res = runner.invoke(app, ["schema"])
    assert res.exit_code == 0
    schema = json.loads(res.output)
    assert "formation" in schema["properties"]


BAD = {
    "misspelled_key": ("formation:\n  grant_multipl: 5\n",
                       "formation.grant_multipl: unknown key (did you mean 'grant_multiple'?)"),
    "wrong_type": ("payments:\n  terms_months: soon\n", "payments.terms_months"),
    "impossible_value": ("workforce:\n  marriage_annual_rate: 1.5\n",
                         "workforce.marriage_annual_rate"),
    "negative_money": ("formation:\n  bank_loan_usd: -5\n", "formation.bank_loan_usd"),
    "malformed_yaml": ("name: [oops\n", "malformed YAML"),
    "empty": ("", "empty file"),
    "bad_date": ("start: 1999-13\n", "start: expected a month as YYYY-MM"),
    "missing_extends": ("extends: nowhere.yaml\n", "extends: file not found: nowhere.yaml"),
    "python_tag": ("name: !!python/object/apply:os.system ['true']\n", "malformed YAML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_file_key_and_reason_and_writes_nothing(tmp_path, case):
    text, expected = BAD[case]
    f = tmp_path / f"{case}.yaml"
    f.write_text(text)
    out = tmp_path / "out"
    proc = sosim("run", str(f), "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert str(f) in lines[0] and expected in lines[0]
    assert not out.exists()


def test_missing_file_and_extends_cycle_exit_2(tmp_path):
    proc = sosim("validate", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2 and "file not found" in proc.stderr
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    proc = sosim("validate", str(tmp_path / "a.yaml"))
    assert proc.returncode == 2 and "cycle of extends" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_several_problems_are_listed_one_per_line(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text("payments:\n  terms_months: soon\n  public_mean_delay_months: -1\n")
    proc = sosim("validate", str(f))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 2


def test_bad_override_exits_2(tmp_path):
    proc = sosim("run", str(BASELINE), "--set", "payments.delay=3", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "payments.delay: unknown key" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_out_pointing_at_a_file_exits_2(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    res = runner.invoke(app, ["run", str(BASELINE), "--out", str(f), *SHORT])
    assert res.exit_code == 2


# --------------------------------------------------------------------------- --out safety
@pytest.fixture
def no_model_run(monkeypatch):
    """Make the model itself fail, so that a test shows a refusal comes before any run."""
    import sim

    def boom(*args, **kwargs):
        raise AssertionError("the model ran before --out was checked")

    monkeypatch.setattr(sim, "run", boom)


def _one_error_line(res) -> str:
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit), res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    return lines[0]


def test_out_folder_with_a_summary_json_and_user_files_is_refused(tmp_path, no_model_run):
    """Issue 17 item 1: a file named summary.json does not make a folder a run's."""
    out = tmp_path / "thesis"
    (out / "data").mkdir(parents=True)
    (out / "summary.json").write_text('{"mine": true}\n')
    (out / "thesis.docx").write_text("years of work")
    (out / "data" / "x.csv").write_text("a,b\n1,2\n")
    res = runner.invoke(app, ["run", str(BASELINE), "--out", str(out), *SHORT])
    line = _one_error_line(res)
    assert str(out) in line and "'data'" in line, line
    assert (out / "thesis.docx").read_text() == "years of work"
    assert (out / "data" / "x.csv").read_text() == "a,b\n1,2\n"
    assert (out / "summary.json").read_text() == '{"mine": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]


def test_rerun_into_a_run_folder_with_user_files_keeps_them(tmp_path):
    """Issue 17 item 1: notes added to a run folder are never deleted by a rerun; a run folder
    that holds only what the run wrote is replaced whole, as before."""
    out = tmp_path / "o"
    assert runner.invoke(app, ["run", str(BASELINE), "--quiet", "--out", str(out),
                               *SHORT]).exit_code == 0
    meta = json.loads((out / "summary.json").read_text())
    assert sorted(meta["files"]) == sorted(f"{t}.parquet" for t in TABLES)
    (out / "notes.md").write_text("my notes")
    (out / "report.html").write_text("<html></html>")
    res = runner.invoke(app, ["run", str(BASELINE), "--seed", "2", "--out", str(out), *SHORT])
    line = _one_error_line(res)
    assert str(out) in line and "'notes.md'" in line, line
    assert (out / "notes.md").read_text() == "my notes"
    assert (out / "report.html").exists()
    assert json.loads((out / "summary.json").read_text())["seed"] == meta["seed"]


def test_a_run_table_changed_by_the_user_is_not_the_runs_any_more(tmp_path):
    out = tmp_path / "o"
    assert runner.invoke(app, ["run", str(BASELINE), "--quiet", "--out", str(out),
                               *SHORT]).exit_code == 0
    (out / "members.parquet").write_bytes(b"my own table")
    res = runner.invoke(app, ["run", str(BASELINE), "--quiet", "--out", str(out), *SHORT])
    assert "'members.parquet'" in _one_error_line(res)
    assert (out / "members.parquet").read_bytes() == b"my own table"


def test_a_run_folder_written_before_the_file_list_is_still_replaced(tmp_path):
    out = tmp_path / "o"
    assert runner.invoke(app, ["run", str(BASELINE), "--quiet", "--out", str(out),
                               *SHORT]).exit_code == 0
    meta = json.loads((out / "summary.json").read_text())
    del meta["files"]
    (out / "summary.json").write_text(json.dumps(meta))
    res = runner.invoke(app, ["run", str(BASELINE), "--seed", "2", "--quiet", "--out",
                              str(out), *SHORT])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "summary.json").read_text())["seed"] == 2


def test_out_dot_is_refused_before_the_run(tmp_path, monkeypatch, no_model_run):
    """Issue 17 item 5: `--out .` failed only when renaming, after the whole simulation."""
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["run", str(BASELINE), "--out", ".", *SHORT])
    assert "current folder" in _one_error_line(res)
    assert list(tmp_path.iterdir()) == []


def test_out_under_a_file_is_refused_before_the_run(tmp_path, no_model_run):
    """Issue 17 item 5: a parent that cannot be made failed only when writing."""
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "sub" / "o"
    res = runner.invoke(app, ["run", str(BASELINE), "--out", str(out), *SHORT])
    line = _one_error_line(res)
    assert str(out) in line and "not a folder" in line, line
    assert (tmp_path / "file").read_text() == "x"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root may write into a read-only folder")
def test_out_in_a_read_only_folder_is_refused_before_the_run(tmp_path, no_model_run):
    """Issue 17 item 5: a read-only parent failed only when writing."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        res = runner.invoke(app, ["run", str(BASELINE), "--out", str(ro / "o"), *SHORT])
        assert "cannot be written" in _one_error_line(res)
    finally:
        ro.chmod(0o755)


def test_out_where_writing_fails_is_refused_before_the_run(tmp_path, monkeypatch,
                                                           no_model_run):
    """Issue 17 item 5, also as root: the check writes a probe where the folder will be built,
    so any reason that write fails (read-only folder or file system, quota) is found first."""
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", denied)
    out = tmp_path / "o"
    res = runner.invoke(app, ["run", str(BASELINE), "--out", str(out), *SHORT])
    line = _one_error_line(res)
    assert str(out) in line and "cannot be written" in line and "Permission denied" in line
    assert not out.exists()


@pytest.mark.parametrize("command", [
    ["sweep", str(ROOT / "scenarios" / "sweeps" / "smoke.yaml")],
    ["compare", str(BASELINE), str(ROOT / "scenarios" / "no_spem.yaml"), "--reps", "1",
     "--workers", "1"],
], ids=["sweep", "compare"])
def test_sweep_and_compare_out_that_cannot_be_made_is_one_line(tmp_path, command):
    """Issue 17 item 5 for sweep and compare: a traceback before, one line and exit 2 now."""
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "sub"
    res = runner.invoke(app, [*command, "--out", str(out)])
    assert "not a folder" in _one_error_line(res)


# --------------------------------------------------------------------------- layers
HEAVY_FOR_SIM = {"analysis", "plotly", "solara", "rich", "typer", "sosim"}


def _loaded_in_fresh_process(code: str, watched: set[str]) -> list[str]:
    """Run ``code`` in a new interpreter; return the watched top-level packages it loaded."""
    probe = (f"{code}\nimport json, sys\n"
             f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} "
             f"& set({sorted(watched)!r}))))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_sim_loads_neither_analysis_nor_the_screen():
    """The model package knows no sweeps, reports or screen (issue 13's acceptance check)."""
    check = ("import sim, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "{'analysis','plotly','solara','rich','typer'}))")
    proc = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert _loaded_in_fresh_process("import sim", HEAVY_FOR_SIM) == []


def test_no_module_under_sim_imports_analysis_or_sosim():
    """Arrows point down only: sosim -> analysis -> sim. An AST walk, so a function-level
    import (the kind that used to hide in sim/cli.py) is caught too."""
    import ast

    upward = []
    for f in sorted((ROOT / "sim").rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(), filename=str(f))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            upward += [f"{f.relative_to(ROOT)}:{node.lineno}: {n}" for n in names
                       if n.split(".")[0] in {"analysis", "sosim"}]
    assert upward == []


def test_help_loads_neither_the_model_nor_the_analysis_layer():
    """``sosim --help`` stays quick because the commands import pydantic, pandas, pyarrow,
    Mesa, plotly and analysis only when they run (the timing itself is a benchmark's job)."""
    run_help = ("import runpy, sys\nsys.argv = ['sosim', '--help']\n"
                "try:\n    runpy.run_module('sosim', run_name='__main__')\n"
                "except SystemExit:\n    pass")
    heavy = {"analysis", "sim", "pandas", "pyarrow", "plotly", "mesa", "pydantic", "numpy",
             "solara"}
    assert _loaded_in_fresh_process(run_help, heavy) == []


def test_run_loads_no_plotting_or_screen_library():
    """`sosim run` quotes the Kerala figures from analysis/patterns.yaml without pulling in the
    report's plotting stack (plotly) or the dashboard's (solara): a run costs the model only."""
    code = ("import sys; from typer.testing import CliRunner; from sosim.cli import app; "
            f"r = CliRunner().invoke(app, ['run', {str(BASELINE)!r}, '--set', 'end=2000-06']); "
            "assert r.exit_code == 0, r.output; assert 'Kerala' in r.output, r.output; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'plotly', 'solara'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
