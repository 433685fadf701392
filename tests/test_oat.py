"""One factor at a time (issue 14's threats-and-supports sweep): survival by line per run on a
hand-made enterprises table, the oat design and its cases (validation with one-line errors),
the effects table across replications, and a tiny sweep end to end (sweep, report, markdown)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.sweep import (
    BASELINE,
    SweepError,
    apply_point,
    load_sweep,
    make_plan,
    oat_size,
    read_runs,
    run_sweep,
)
from analysis.sweep.effects import effects_markdown, effects_table, survival_column
from sim.outputs import survival_by_line
from sosim.cli import app

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "kerala_baseline.yaml"


def _ts(s: str | None) -> pd.Timestamp:
    return pd.NaT if s is None else pd.Timestamp(f"{s}-01")


def test_survival_by_line_counts_only_units_observed_that_long():
    rows = [  # line, founded, closed
        ("training", "2000-01", None),        # open: survives 5 and 10 years
        ("training", "2000-01", "2003-01"),   # closed after 3 years
        ("training", "2010-01", "2016-06"),   # survives 5 years, not 10
        ("training", "2018-01", None),        # founded too late to be observed 5 years
        ("data_entry", "2000-01", "2005-01"), # closed in its 60th month: open 5 years, not 10
    ]
    ents = pd.DataFrame({
        "line": [r[0] for r in rows],
        "founded": [_ts(r[1]) for r in rows],
        "closed": pd.Series([_ts(r[2]) for r in rows], dtype="datetime64[ns]"),
    })
    s = survival_by_line(ents, pd.Timestamp("2020-12-01"))
    assert s["survival_5y_training"] == pytest.approx(2 / 3)
    assert s["survival_10y_training"] == pytest.approx(1 / 3)  # 2010 + 10 = 2020-01: observed
    assert s["survival_5y_data_entry"] == 1.0
    assert s["survival_10y_data_entry"] == 0.0
    assert s["survival_5y_hardware"] is None and s["survival_10y_hardware"] is None
    # a unit founded 2011-01 is observed 120 months by the end of 2020-12; one of 2011-02 is not
    end = pd.Timestamp("2020-12-01")
    for founded, observed in (("2011-01-01", True), ("2011-02-01", False)):
        late = ents.assign(founded=pd.Timestamp(founded), closed=pd.NaT)
        assert (survival_by_line(late, end)["survival_10y_training"] is not None) == observed


OAT = f"""
name: oat
base: {BASE}
set: {{end: 2006-12, events: []}}
design: oat
replications: 2
seed: 3
parameters:
  demand.schools.insourcing_annual_rate: {{values: [0.03, 0.5]}}
  payments.public_mean_delay_months: {{values: [4, 1, 12]}}
cases:
  shock_2003:
    description: public payers pay later from 2003
    set: {{workforce.marriage_annual_rate: 0.1}}
    events: [{{date: 2003-01, do: payment_delay_shock, extra_months: 12}}]
outcomes:
  summary: [survival_5y, survival_5y_training, survival_5y_data_entry, survival_10y_training]
  alive_at: [end]
  monthly: [units_alive]
"""


def _write(tmp_path: Path, text: str, name: str = "oat.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_oat_design_moves_one_factor_at_a_time_and_applies_cases(tmp_path):
    sw = load_sweep(_write(tmp_path, OAT))
    assert sw.base.events == []  # set.events replaces the base's dated events
    plan = make_plan(sw)
    pts = plan.design.points
    assert len(pts) == oat_size(sw.spec) == 1 + 1 + 2 + 1
    assert [(p["factor"], p["level"]) for p in pts] == [
        (BASELINE, BASELINE),
        ("demand.schools.insourcing_annual_rate", "0.5"),
        ("payments.public_mean_delay_months", "1"),
        ("payments.public_mean_delay_months", "12"),
        ("shock_2003", "on"),
    ]
    rate, delay = "demand.schools.insourcing_annual_rate", "payments.public_mean_delay_months"
    for p in pts:  # every other factor stays at its baseline (first) level
        moved = p["factor"]
        assert p[rate] == (0.5 if moved == rate else 0.03)
        assert (p[delay] != 4) == (moved == delay)
    jobs = {j.point: j for j in plan.jobs() if j.replication == 0}
    assert jobs[4].case is not None and all(jobs[i].case is None for i in range(4))
    scn = apply_point(sw.base, pts[4], jobs[4].case)
    assert scn.workforce.marriage_annual_rate == 0.1
    assert [e.do for e in scn.events] == ["payment_delay_shock"]
    assert apply_point(sw.base, pts[0]).workforce.marriage_annual_rate != 0.1
    # the case's content is part of the run key: an edited case is not taken for a recorded one
    other = load_sweep(_write(tmp_path, OAT.replace("extra_months: 12", "extra_months: 6"),
                              "other.yaml"))
    assert {j.key for j in make_plan(other).jobs()} != plan.keys()


BAD = [
    ("cases: {x: {set: {payments.public_mean_delay_months: 2}}}", "grid",
     "cases", "levels of an oat design"),
    ("parameters: {payments.public_mean_delay_months: {values: [4]}}", "oat",
     "parameters.payments.public_mean_delay_months.values", "at least one other"),
    ("samples: 4\nparameters: {payments.public_mean_delay_months: {values: [4, 8]}}", "oat",
     "samples", "takes no samples"),
    ("parameters: {}", "oat", "parameters", "needs parameters or cases"),
    ("parameters: {}", "grid", "parameters", "needs at least one parameter"),
    ("cases: {x: {set: {payments.public_mean_delay_month: 2}}}", "oat",
     "cases.x.set.payments.public_mean_delay_month", "did you mean"),
    ("cases: {x: {events: [{date: 2003-13, do: mission_withdraws}]}}", "oat",
     "cases.x.events.0.date", "expected a month"),
    ("cases: {x: {evnets: []}}", "oat", "cases.x.evnets", "did you mean 'events'"),
    ("cases: {baseline: {set: {payments.public_mean_delay_months: 2}}}", "oat",
     "cases.baseline", "a name of its own"),
    ("set: {events: 3}", "oat", "set.events", "expected a list of events"),
    ("cases: {a: {set: {seed: 1}}, b: {set: {payments.public_mean_delay_months: -1}}}", "oat",
     "cases.b.set.payments.public_mean_delay_months", "greater than or equal to 0"),
]


@pytest.mark.parametrize(("change", "design", "path", "reason"), BAD,
                         ids=[b[2] + ":" + b[3] for b in BAD])
def test_bad_oat_sweep_files_get_one_line_per_problem(tmp_path, change, design, path, reason):
    keys = {line.split(":")[0] for line in change.splitlines()}
    lines = {"name": "bad", "base": str(BASE), "design": design,
             "parameters": "{payments.public_mean_delay_months: {values: [4, 8]}}"}
    text = "\n".join(f"{k}: {v}" for k, v in lines.items() if k not in keys)
    f = _write(tmp_path, text + "\n" + change + "\n", "bad.yaml")
    with pytest.raises(SweepError) as info:
        load_sweep(f)
    problems = info.value.problems
    assert any(p[0] == str(f) and p[1] == path and reason in p[2] for p in problems), problems
    assert all("\n" not in p[2] for p in problems)


def test_effects_are_per_replication_with_paired_changes():
    col = survival_column("training", 5)
    runs = pd.DataFrame({
        "point": [0, 0, 0, 1, 1, 1],
        "replication": [0, 1, 2, 0, 1, 2],
        "status": "ok",
        "factor": [BASELINE] * 3 + ["x"] * 3,
        "level": [BASELINE] * 3 + ["2"] * 3,
        col: [0.9, 0.8, 1.0, 0.7, 0.6, None],  # replication 2 observed no unit at the level
    })
    t = effects_table(runs)
    base = t[(t["point"] == 0)].iloc[0]
    assert base["n"] == 3 and base["mean"] == pytest.approx(0.9)
    half = 4.302652729911275 * 0.1 / math.sqrt(3)  # t(0.975, 2) x sd / sqrt(n)
    assert (base["low"], base["high"]) == pytest.approx((0.9 - half, 0.9 + half))
    lev = t[(t["point"] == 1)].iloc[0]
    assert lev["n"] == 2 and lev["mean"] == pytest.approx(0.65)
    # paired by replication: (0.7 - 0.9, 0.6 - 0.8) = -0.2 twice, an interval of zero width
    assert lev["delta"] == pytest.approx(-0.2) and lev["n_paired"] == 2
    assert lev["delta_low"] == pytest.approx(-0.2) and lev["delta_high"] == pytest.approx(-0.2)
    md = effects_markdown(t)
    assert "### 5-year survival" in md and "| x = 2 | 2 | 65 [" in md and "Δ -20.0" in md


def test_tiny_oat_sweep_end_to_end(tmp_path):
    f = _write(tmp_path, OAT)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sweep", str(f), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "10 of 10 runs recorded" in res.output and "0 failed" in res.output
    assert (out / "effects.md").is_file()  # the sweep writes its effects table when done
    (out / "effects.md").unlink()
    runs = read_runs(out)
    assert set(runs["factor"]) == {BASELINE, "demand.schools.insourcing_annual_rate",
                                   "payments.public_mean_delay_months", "shock_2003"}
    assert runs["survival_5y_training"].notna().all()
    md_path = tmp_path / "docs" / "effects.md"
    res = CliRunner().invoke(app, ["report", str(out), "--table-md", str(md_path)])
    assert res.exit_code == 0, res.output
    for name in ("effects.parquet", "effects.csv", "effects.md", "report.html"):
        assert (out / name).is_file(), name
    t = pd.read_parquet(out / "effects.parquet")
    assert set(t["line"]) >= {"training", "data_entry", "all"}
    assert len(t[(t["horizon_years"] == 5) & (t["line"] == "training")]) == 5
    md = md_path.read_text()
    assert md == (out / "effects.md").read_text()
    assert "| shock 2003 | 2 |" in md and "| baseline | 2 |" in md
    html = (out / "report.html").read_text()
    assert 'data-figure="effects_survival_by_line"' in html
    assert html.index('id="effects"') < html.index('id="survival"')  # the answer comes first


def test_table_md_needs_an_oat_sweep(tmp_path):
    out = tmp_path / "x"
    out.mkdir()
    (out / "sweep.json").write_text('{"design": "grid"}')
    res = CliRunner().invoke(app, ["report", str(out), "--table-md", str(tmp_path / "t.md")])
    assert res.exit_code == 2 and "--table-md" in res.output and "Traceback" not in res.output


def test_shipped_threats_sweep_insourcing_lowers_training_survival(tmp_path):
    """Issue 14's acceptance, on a tiny version of the shipped sweep (2 replications, 1999-2012,
    the two insourcing cases alone): raising schools' insourcing from a constant 3 % to 20 % a
    year lowers training units' 10-year survival, paired by replication (both cases are paired
    with the same baseline runs, so the difference of their changes is a paired difference). If
    the base's series (or a bypass in the model) overrode the cases, it would be zero."""
    import yaml

    shipped = ROOT / "scenarios" / "sweeps" / "threats_and_supports.yaml"
    data = yaml.safe_load(shipped.read_text())
    low, high = "insourcing_3pct", "insourcing_20pct"
    rate = "demand.schools.insourcing_annual_rate"
    assert data["cases"][low]["set"][rate] == 0.03 and data["cases"][high]["set"][rate] == 0.20
    data.update(base=str(BASE), replications=2, parameters={},
                cases={k: data["cases"][k] for k in (low, high)})
    data["set"] = {**data.get("set", {}), "end": "2012-12"}
    f = _write(tmp_path, yaml.safe_dump(data), "tiny.yaml")
    out = tmp_path / "out"
    run_sweep(load_sweep(f), out)
    t = effects_table(read_runs(out))
    pick = (t["line"] == "training") & (t["horizon_years"] == 10)
    r_low = t[pick & (t["factor"] == low)].iloc[0]
    r_high = t[pick & (t["factor"] == high)].iloc[0]
    assert r_high["n_paired"] == 2
    assert r_high["delta"] - r_low["delta"] < -0.03, (r_low.to_dict(), r_high.to_dict())


def test_one_leaf_swept_for_two_lines_reads_as_two_levers(tmp_path):
    """The shipped sweep moves `private_market_orders_per_area_month` of training and of data
    entry: their rows must be told apart, and the report's effects figure (which indexes rows by
    label) must not fail on a repeated label, as it did."""
    from analysis.sweep.effects import lever_label

    a = lever_label("lines.training.private_market_orders_per_area_month", "0")
    b = lever_label("lines.data_entry.private_market_orders_per_area_month", "0")
    assert a != b and a.startswith("training ") and b.startswith("data entry ")
    assert lever_label("payments.public_mean_delay_months", "12") == "public mean delay months = 12"
    text = OAT.replace(
        "  payments.public_mean_delay_months: {values: [4, 1, 12]}\n",
        "  lines.training.private_market_orders_per_area_month: {values: [2.94, 0.0]}\n"
        "  lines.data_entry.private_market_orders_per_area_month: {values: [1.5, 0.0]}\n",
    ).replace("replications: 2", "replications: 1").replace("cases:", "cases_off:")
    text = text.split("cases_off:")[0] + "outcomes:" + text.split("outcomes:")[1]
    f = _write(tmp_path, text)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sweep", str(f), "--out", str(out)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["report", str(out)])
    assert res.exit_code == 0, res.output
    md = (out / "effects.md").read_text()
    assert "| training private market orders per area month = 0 |" in md
    assert "| data entry private market orders per area month = 0 |" in md


def test_one_leaf_in_two_sections_reads_as_two_levers():
    """Not only a line's parameters: any two factors whose labels would read the same (one
    leaf in two sections) are told apart by their whole path, since figures index rows by
    label."""
    from analysis.sweep.effects import lever_labels

    got = lever_labels(["mission.lag_months", "consortium.lag_months", "mission.lag_months",
                        "payments.public_mean_delay_months"], ["3", "3", "6", "12"])
    assert got == ["mission.lag_months = 3", "consortium.lag_months = 3",
                   "mission.lag_months = 6", "public mean delay months = 12"]
