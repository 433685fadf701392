"""Issue 13 - every output declared once (sim.columns): the tables and summary a run writes hold
exactly the declared columns and figures, with the declared types, and docs/outputs.md is the
glossary generated from that declaration."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim import __version__, columns, outputs, run
from sim.scenario import Scenario, scenario_with

KINDS = {"str": str, "int": int, "float": float, "dict[str, int]": dict}


@pytest.fixture(scope="module")
def written(baseline: Scenario, tmp_path_factory):
    """A short baseline run (through the field-work years) written to a folder."""
    res = run(scenario_with(baseline, {"end": "2006-06"}), seed=1)
    out = tmp_path_factory.mktemp("run") / "out"
    outputs.write(res, out, __version__)
    return res, out


def test_written_tables_hold_exactly_the_declared_columns(written):
    _, out = written
    assert outputs.TABLES == tuple(columns.TABLES)
    assert sorted(p.name for p in out.glob("*.parquet")) == sorted(
        f"{t}.parquet" for t in columns.TABLES
    )
    for name, table in columns.TABLES.items():
        got = pq.read_schema(out / f"{name}.parquet").names
        assert got == table.names, (
            f"{name}: not declared {sorted(set(got) - set(table.names))}, "
            f"declared but not written {sorted(set(table.names) - set(got))}"
        )
        assert pq.read_metadata(out / f"{name}.parquet").num_rows > 0, name


def test_run_result_tables_have_the_declared_dtypes(written):
    """(In memory: Parquet stores datetime64[s] as milliseconds.)"""
    res, _ = written
    for name, df in res.tables().items():
        assert {c: str(t) for c, t in df.dtypes.items()} == {
            c.name: c.dtype for c in columns.TABLES[name].columns
        }, name


def test_summary_json_holds_exactly_the_declared_figures(written):
    _, out = written
    summary = json.loads((out / "summary.json").read_text())["summary"]
    assert sorted(summary) == sorted(columns.SUMMARY_FIGURES)
    for name, value in summary.items():
        fig = columns.SUMMARY_FIGURES[name]
        if value is None:
            assert fig.kind.endswith("| None"), f"{name} is null but declared {fig.kind}"
            continue
        want = KINDS[fig.kind.removesuffix(" | None")]
        ok = isinstance(value, want) or (want is float and isinstance(value, int))
        assert ok, f"{name}: {value!r} is not {fig.kind}"


def test_glossary_is_up_to_date():
    assert columns.GLOSSARY_PATH.read_text() == columns.glossary(), (
        "docs/outputs.md is out of date: run `python -m sim.columns`"
    )


def test_an_undeclared_or_missing_column_is_refused():
    ts = columns.TABLES["member_years"]
    df = pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in ts.columns})
    assert columns.conform("member_years", df) is df
    with pytest.raises(ValueError, match="not declared.*extra"):
        columns.conform("member_years", df.assign(extra=0.0))
    with pytest.raises(ValueError, match="declared but not computed.*monthly_earnings"):
        columns.conform("member_years", df.drop(columns="monthly_earnings"))
    with pytest.raises(ValueError, match="not declared.*extra"):
        columns.ordered_summary({f: None for f in columns.SUMMARY_FIGURES} | {"extra": 1})


def test_sweep_outcome_names_and_cli_lines_come_from_the_declaration(written):
    res, _ = written
    assert set(columns.SUMMARY_OUTCOMES) <= set(res.summary)
    series = [c for c in res.timeseries if c not in ("date", "month")]
    assert list(columns.MONTHLY_COLUMNS) == series
    lines = dict(columns.summary_lines(res.summary, {"survival_5y": "(note)"}))
    labelled = [f for f in columns.SUMMARY if f.label]
    assert set(lines) == {f.label for f in labelled}
    assert lines["survival 5 / 10 years after founding"].count(" / ") == 1
    assert "(note)" in lines["survival 5 / 10 years after founding"]
