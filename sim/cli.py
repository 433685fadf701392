"""The ``sosim`` command: run, validate and describe scenarios.

Every bad input ends in one line per problem (file, key path, reason) and exit code 2; no
traceback and no partial output.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sim.scenario import LINES, Scenario, ScenarioError, json_schema, load_scenario

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="sosim - an agent-based model of social outsourcing (IT social enterprises).",
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

EXIT_BAD_INPUT = 2

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file", show_default=False)]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a value: dotted.path=value (repeatable)"),
]


def fail(error: ScenarioError) -> None:
    """Print every problem on its own line and exit with code 2."""
    for line in error.format().splitlines():
        err_console.print(f"[bold red]error:[/] {line}", highlight=False, markup=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _load(path: Path, sets: list[str] | None, seed: int | None = None) -> Scenario:
    try:
        return load_scenario(path, overrides=sets or [], seed=seed)
    except ScenarioError as exc:
        fail(exc)
        raise  # unreachable


def _fmt(value: float | None, pattern: str = "{:.1%}") -> str:
    return "-" if value is None else pattern.format(value)


def _num(x: float) -> str:
    """A figure for a table: thousands separated, otherwise three significant digits."""
    if x != x:  # NaN
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def print_summary(summary: dict, elapsed: float | None = None) -> None:
    """A readable summary of one run."""
    s = summary
    title = f"{s['scenario']} (seed {s['seed']}, {s['start']} to {s['end']})"
    t = Table(title=title, show_header=True, header_style="bold")
    t.add_column("line")
    t.add_column("founded", justify="right")
    t.add_column(f"alive {s['end']}", justify="right")
    for line in LINES:
        t.add_row(
            line,
            str(s["units_founded_by_line"].get(line, 0)),
            str(s["units_alive_end_by_line"][line]),
        )
    t.add_row("[bold]all[/]", str(s["units_founded"]), str(s["units_alive_end"]))
    console.print(t)
    reasons = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["closures_by_reason"].items())
    rows = [
        ("units founded by end of 2008", str(s["units_founded_by_2008"])),
        (
            "survival 5 / 10 years after founding",
            f"{_fmt(s['survival_5y'])} / {_fmt(s['survival_10y'])}",
        ),
        ("closures by reason", reasons or "none"),
        (
            "mean member earnings, field-work year",
            _fmt(s["mean_member_earnings_field_work"], "US$ {:.1f}/month") + "  (observed US$45)",
        ),
        (
            "share of household income, field-work year",
            _fmt(s["household_income_share_field_work"]) + "  (observed 43%)",
        ),
        (
            "core members per unit at field work",
            _fmt(s["core_members_per_unit_field_work"], "{:.1f}") + "  (observed ~7)",
        ),
        (
            "initial loans repaid at field work",
            _fmt(s["loans_repaid_share_field_work"]) + "  (observed ~50%)",
        ),
        (
            "public orders won by the units, field-work year",
            _fmt(s["public_orders_won_share_field_work"]) + "  (observed ~70%)",
        ),
        (
            "arrears at field work / at end",
            f"US$ {s['arrears_field_work_usd']:,.0f} / US$ {s['arrears_end_usd']:,.0f}",
        ),
    ]
    for label, value in rows:
        console.print(f"  {label:<48} {value}", highlight=False)
    if elapsed is not None:
        console.print(f"  [dim]simulated in {elapsed:.2f} s[/]")


@app.command()
def run(
    scenario: ScenarioArg,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's)")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write Parquet tables and summary.json here")
    ] = None,
    set_: SetOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing")] = False,
) -> None:
    """Run one scenario and print its summary (and write its tables with --out)."""
    from sim import __version__, outputs
    from sim import run as run_model

    cfg = _load(scenario, set_, seed)
    if out is not None and out.exists() and not out.is_dir():
        fail(ScenarioError([(str(out), "--out", "exists and is not a directory")]))
    t0 = time.perf_counter()
    res = run_model(cfg)
    elapsed = time.perf_counter() - t0
    if out is not None:
        outputs.write(res, out, __version__)
    if not quiet:
        print_summary(res.summary, elapsed)
        if out is not None:
            console.print(f"  [dim]tables written to {out}/[/]")


@app.command()
def validate(scenario: ScenarioArg, set_: SetOpt = None) -> None:
    """Check a scenario file (and its extends chain) without running it."""
    cfg = _load(scenario, set_)
    console.print(
        f"ok: {scenario} ({cfg.name}, {cfg.start} to {cfg.end}, {len(cfg.events)} event(s))",
        highlight=False,
    )


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option(help="Write to a file instead of stdout")] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    text = json.dumps(json_schema(), indent=2)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n")


@app.command()
def patterns(
    scenario: ScenarioArg,
    reps: Annotated[int, typer.Option(min=1, help="Seeded replications")] = 30,
    seed: Annotated[int, typer.Option(help="Root seed of the replications")] = 0,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores)")]
    = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the table as JSON")]
    = None,
    set_: SetOpt = None,
) -> None:
    """Check a scenario against the observed Kerala patterns (analysis/patterns.yaml)."""
    from analysis.patterns import check_patterns, load_patterns

    cfg = _load(scenario, set_)
    try:
        pats = load_patterns()
    except ScenarioError as exc:
        fail(exc)
    t0 = time.perf_counter()
    report = check_patterns(cfg, reps=reps, root_seed=seed, workers=workers, patterns=pats)
    t = Table(title=f"{cfg.name}: {reps} replications, root seed {seed}", header_style="bold")
    for col, just in (("pattern", "left"), ("level", "left"), ("observed", "right"),
                      ("model mean", "right"), ("model 5-95%", "right"), ("target", "left"),
                      ("met", "center")):
        t.add_column(col, justify=just, no_wrap=True)  # type: ignore[arg-type]
    for row in report.table.itertuples():
        target = ("in units' 5-95%" if row.target.startswith("observed within")
                  else row.target.replace("+-", "±"))
        t.add_row(row.pattern, row.level, _num(row.observed), _num(row.model_mean),
                  f"{_num(row.model_p05)} – {_num(row.model_p95)}", target,
                  "[green]yes[/]" if row.met else "[red]no[/]")
    Console(width=max(console.width, 110), soft_wrap=True).print(t)
    console.print(f"  patterns met: {int(report.table['met'].sum())} of {len(report.table)} "
                  f"({report.share_met:.0%}) in {time.perf_counter() - t0:.1f} s",
                  highlight=False)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        tmp = json_out.with_name(f".{json_out.name}.tmp")
        tmp.write_text(json.dumps(report.to_json(), indent=2) + "\n")
        tmp.replace(json_out)


def main() -> None:
    """Entry point: run the app, turning stray input errors into exit code 2."""
    try:
        app()
    except ScenarioError as exc:
        for line in exc.format().splitlines():
            err_console.print(f"[bold red]error:[/] {line}", highlight=False)
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":
    main()
