"""The ``sosim`` command: run, validate and describe scenarios.

Every bad input ends in one line per problem (file, key path, reason) and exit code 2; no
traceback and no partial output.

Only typer and rich are imported at the top: the model (pydantic, pandas, pyarrow, Mesa) and the
analysis layer (plotly) are imported inside the commands that need them, so ``sosim --help``
returns quickly.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from sim.scenario import Scenario, ScenarioError

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
AllowLargeOpt = Annotated[bool, typer.Option(
    "--allow-large", help="Run even where the estimated memory is past this machine's")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a value: dotted.path=value (repeatable)"),
]


def fail(error: ScenarioError) -> None:
    """Print every problem on its own line and exit with code 2."""
    for line in error.format().splitlines():
        # escaped: a key or value from the user's file may look like rich markup ("[/x]")
        err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, markup=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _warn(line: str) -> None:
    """One warning line on standard error (something done on the way, not an error)."""
    err_console.print(f"[bold yellow]warning:[/] {escape(line)}", highlight=False)


def check_writable(out: Path) -> None:
    """Raise ScenarioError (one line) if the folder ``out`` cannot be made or written."""
    from sim.outputs import check_writable as check

    check(out)


def _load(path: Path, sets: list[str] | None, seed: int | None = None) -> Scenario:
    from sim.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path, overrides=sets or [], seed=seed)
    except ScenarioError as exc:
        fail(exc)
        raise  # unreachable


def _num(x: float) -> str:
    """A figure for a table: thousands separated, otherwise three significant digits."""
    if x != x:  # NaN
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


FIELD_NOTES: dict[str, tuple[str, Callable[[float], str]]] = {
    # summary figure -> (pattern id in analysis/patterns.yaml, how to print the observed value)
    "mean_member_earnings_field_work": ("member_earnings", lambda v: f" 2005-06: US${v:g}"),
    "household_income_share_field_work": ("household_income_share", lambda v: f": {v:.0%}"),
    "core_members_per_unit_field_work": ("core_members_per_unit", lambda v: f": ~{v:g}"),
    "loans_repaid_share_field_work": ("initial_loans_repaid", lambda v: f": ~{v:.0%}"),
    "public_orders_won_share_field_work": ("public_contracts_won", lambda v: f": ~{v:.0%}"),
}


def print_summary(summary: dict, elapsed: float | None = None) -> None:
    """A readable summary of one run, each field-work figure beside the one observed in Kerala
    (read from analysis/patterns.yaml, where each is written once with its source)."""
    from analysis.patterns import field_figure
    from sim.columns import summary_lines
    from sim.scenario import LINES

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
    notes = {column: f"(Kerala{fmt(field_figure(pattern))})"
             for column, (pattern, fmt) in FIELD_NOTES.items()}
    for label, value in summary_lines(s, notes):
        console.print(f"  {label:<62} {value}", highlight=False)
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
    allow_large: AllowLargeOpt = False,
) -> None:
    """Run one scenario and print its summary (and write its tables with --out)."""
    from sim import __version__, outputs
    from sim import run as run_model
    from sim.scenario import ScenarioError
    from sim.size import check_size

    cfg = _load(scenario, set_, seed)
    try:
        check_size(cfg, str(scenario), allow_large=allow_large)  # before the world is built
        if out is not None:
            outputs.check_out(out)  # before the run: a folder of other files is never replaced
    except ScenarioError as exc:
        fail(exc)
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
    from sim.scenario import json_schema

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
    from sim.scenario import ScenarioError

    cfg = _load(scenario, set_)
    try:
        pats = load_patterns()
    except ScenarioError as exc:
        fail(exc)
    t0 = time.perf_counter()
    from analysis.runmany import WorkerLost

    try:
        report = check_patterns(cfg, reps=reps, root_seed=seed, workers=workers, patterns=pats)
    except WorkerLost as exc:  # a run's worker died on every retry
        err_console.print(f"[bold red]error:[/] {escape(f'{scenario}: {exc}')}", highlight=False)
        raise typer.Exit(1) from None
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
        from sim import atomic

        text = json.dumps(report.to_json(), indent=2) + "\n"
        atomic.write_file(json_out, lambda tmp: tmp.write_text(text))


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="Sweep YAML file", show_default=False)],
    out: Annotated[Path | None, typer.Option(help="Output folder (runs/, timeseries/, ...)")]
    = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    backend: Annotated[str, typer.Option(help="processes or dask")] = "processes",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip runs already recorded")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Time pilot runs, estimate")] = False,
    part_size: Annotated[int, typer.Option(min=1, help="Runs per Parquet part")] = 50,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
    retries: Annotated[int, typer.Option(
        min=0, help="Times a run is retried after its worker process dies, before it is "
        "recorded as failed")] = 2,
    allow_large: AllowLargeOpt = False,
) -> None:
    """Run a scenario sweep (grid, lhs, sobol, morris), streaming results; resumable."""
    from analysis.runmany import BACKENDS
    from analysis.sweep import dry_run as estimate
    from analysis.sweep import load_sweep, run_sweep
    from analysis.sweep.dryrun import check_sweep_size
    from sim.scenario import ScenarioError

    try:
        if backend not in BACKENDS:
            raise ScenarioError([("--backend", "", f"expected {' or '.join(BACKENDS)}, "
                                  f"got {backend}")])
        sw = load_sweep(sweep_file)
        # before any world is built: the largest run, on every worker at once
        check_sweep_size(sw, str(sweep_file), 1 if dry_run else workers, allow_large)
        if dry_run:
            d = estimate(sw, workers=workers)
            eta = d.estimated_seconds
            eta_text = f"{eta:.0f} s" if eta < 120 else f"{eta / 60:.1f} min"
            console.print(
                f"{sw.spec.name}: {d.runs:,} runs ({d.points:,} design points x "
                f"{d.replications} replications)\n  pilot: {d.pilot_runs} run(s), "
                f"{d.seconds_per_run:.2f} s each\n  estimated time on {d.workers} worker(s): "
                f"{eta_text}\n  estimated output: "
                f"{d.estimated_bytes / 1e6:.1f} MB ({d.bytes_per_run / 1e3:.1f} kB per run)"
                f"\n  estimated memory: {d.memory_per_run / 1e6:,.0f} MB per worker "
                "(the largest run)",
                highlight=False)
            return
        if out is None:
            raise ScenarioError([("--out", "", "an output folder is needed (or --dry-run)")])
        check_writable(out)  # a folder that cannot be written is found before any run
        rep = run_sweep(sw, out, workers=workers, backend=backend, scheduler=scheduler,
                        resume=resume, part_size=part_size, progress=not quiet,
                        retries=retries, notify=_warn)
    except ScenarioError as exc:
        fail(exc)
    if not quiet:
        console.print(f"{rep.recorded:,} of {rep.total:,} runs recorded in {out}/ "
                      f"({rep.ran:,} run now, {rep.skipped:,} already there, {rep.failed:,} "
                      f"failed) in {rep.seconds:.1f} s", highlight=False)
    if sw.spec.design == "oat" and rep.recorded:
        _write_effects(out, None, quiet)


def _write_effects(folder: Path, table_md: Path | None, quiet: bool = False) -> None:
    """Write a one-factor-at-a-time sweep's effects table (DIR/effects.*, and ``table_md``)."""
    from analysis.sweep.effects import EffectsError, write_effects
    from sim.scenario import ScenarioError

    try:
        paths = write_effects(folder, table_md)
    except EffectsError as exc:
        fail(ScenarioError([(str(folder), "effects", str(exc))]))
    except OSError as exc:
        fail(ScenarioError([(str(table_md or folder), "effects", f"cannot be written ({exc})")]))
    if not quiet:
        console.print(f"  effects of each lever: {', '.join(str(p) for p in paths)}",
                      highlight=False)


@app.command()
def sensitivity(
    sweep_dir: Annotated[Path, typer.Argument(help="Folder of a sobol or morris sweep")],
    outcome: Annotated[list[str] | None, typer.Option(help="Outcome (repeatable; default all)")]
    = None,
    resamples: Annotated[int, typer.Option(min=10, help="Bootstrap resamples")] = 1000,
    conf: Annotated[float, typer.Option(min=0.5, max=0.999, help="Confidence level")] = 0.95,
    html: Annotated[Path | None, typer.Option(help="Chart (default DIR/sensitivity.html)")]
    = None,
) -> None:
    """Sobol' or Morris indices of a finished sweep, with confidence intervals and a dummy."""
    from analysis.sensitivity import analyse, write_outputs
    from sim.scenario import ScenarioError

    try:
        table, skipped = analyse(sweep_dir, outcome, num_resamples=resamples, conf_level=conf)
    except ScenarioError as exc:
        fail(exc)
    for name, why in skipped.items():
        console.print(f"  [dim]skipped {name}: {why}[/]", highlight=False)
    if table.empty:
        fail(ScenarioError([(str(sweep_dir), "", "no outcome could be analysed")]))
    t = Table(title=f"sensitivity of {sweep_dir}", header_style="bold")
    for col in ("outcome", "parameter", "index", "value", "95% CI" if conf == 0.95 else "CI",
                "effect"):
        t.add_column(col)
    for r in table.itertuples():
        mark = "-" if r.parameter == "dummy" else ("[green]yes[/]" if r.effect else "no")
        t.add_row(r.outcome, r.parameter, r.index, _num(r.value),
                  f"{_num(r.low)} – {_num(r.high)}", mark)
    Console(width=max(console.width, 110), soft_wrap=True).print(t)
    csv, chart = write_outputs(table, sweep_dir, html)
    console.print(f"  [dim]written {csv} and {chart}[/]")


PngOpt = Annotated[bool, typer.Option("--png", help="Also export each figure as PNG")]
SvgOpt = Annotated[bool, typer.Option("--svg", help="Also export each figure as SVG")]


def _write_report(folder: Path, png: bool, svg: bool, table_md: Path | None = None) -> None:
    """Build DIR/report.html (and figures) and print the headline; one line per problem. For a
    one-factor-at-a-time sweep also write its effects table (DIR/effects.*, and ``table_md``)."""
    from analysis.report import ExportError, ReportError, build_report
    from analysis.sweep.effects import is_oat
    from sim.scenario import ScenarioError

    if table_md is not None and not is_oat(folder):
        fail(ScenarioError([(str(folder), "--table-md",
                             "only a one-factor-at-a-time sweep (design: oat) has an effects "
                             "table")]))
    if is_oat(folder):
        _write_effects(folder, table_md)

    formats = tuple(f for f, on in (("png", png), ("svg", svg)) if on)
    try:
        path, report = build_report(folder, formats=formats)
    except ReportError as exc:
        fail(ScenarioError([(str(folder), "report", str(exc).removeprefix(f"{folder}: "))]))
    except ExportError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    for label, value in report.headline:
        console.print(f"  {label:<44} {value}", highlight=False)
    console.print(f"  report: {path}", highlight=False)
    if formats:
        console.print(f"  figures: {folder / 'figures'}/ ({', '.join(formats)})", highlight=False)


@app.command()
def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario YAML files to compare", show_default=False)
    ],
    out: Annotated[Path, typer.Option(help="Folder for the runs, runs.parquet and report.html")],
    reps: Annotated[int, typer.Option(min=1, help="Replications per scenario")] = 10,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the paired replications")] = 0,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores)")]
    = None,
    set_: SetOpt = None,
    png: PngOpt = False,
    svg: SvgOpt = False,
    allow_large: AllowLargeOpt = False,
) -> None:
    """Run scenarios on the same seeds (paired replications) and build the HTML report."""
    from analysis.compare import run_comparison
    from analysis.runmany import WorkerLost
    from sim.scenario import ScenarioError

    t0 = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done == total or done % max(1, total // 10) == 0:
            err_console.print(f"  [dim]{done}/{total} runs[/]", highlight=False)

    try:
        check_writable(out)  # a folder that cannot be written is found before any run
        runs = run_comparison(scenarios, out, reps=reps, root_seed=seed, sets=set_,
                              workers=workers, progress=progress, allow_large=allow_large)
    except ScenarioError as exc:
        fail(exc)
    except WorkerLost as exc:  # a run's worker died on every retry: nothing to compare
        err_console.print(f"[bold red]error:[/] {escape(f'{out}: {exc}')}; the runs that "
                          "finished are kept, run the command again to go on", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"  {len(runs)} runs in {time.perf_counter() - t0:.1f} s -> {out}/",
                  highlight=False)
    _write_report(out, png, svg)


@app.command()
def report(
    folder: Annotated[Path, typer.Argument(help="A run, comparison or sweep folder",
                                           show_default=False)],
    png: PngOpt = False,
    svg: SvgOpt = False,
    table_md: Annotated[Path | None, typer.Option(
        "--table-md", help="oat sweeps: also write the effects table as markdown here "
        "(e.g. docs/threats_and_supports.md)")] = None,
) -> None:
    """Build DIR/report.html from a run (sosim run --out), comparison or sweep folder."""
    _write_report(folder, png, svg, table_md)


@app.command()
def dashboard(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario YAML file (default: scenarios/kerala_baseline.yaml)", show_default=False)]
    = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free port)")] = 8765,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open", help="Open a browser on it")] = False,
    allow_large: AllowLargeOpt = False,
) -> None:
    """Start the teaching dashboard (Mesa's SolaraViz) in the browser (the dashboard extra)."""
    try:
        from sosim import dashboard as dash
    except ImportError as exc:
        err_console.print("[bold red]error:[/] " + escape(
            f"the dashboard needs the [dashboard] extra (pip install -e '.[dashboard]'): {exc}"),
            highlight=False)
        raise typer.Exit(1) from None
    cfg = _load(scenario or dash.BASELINE, None)  # bad input: exit 2 before a server starts
    from sim.scenario import ScenarioError
    from sim.size import check_size

    try:  # each browser connection builds its own world
        check_size(cfg, str(scenario or dash.BASELINE), allow_large=allow_large)
    except ScenarioError as exc:
        fail(exc)
    port, problem = dash.choose_port(host, port)  # --port 0: the free port picked, printed
    if problem:
        err_console.print(f"[bold red]error:[/] {escape(problem)}", highlight=False)
        raise typer.Exit(1)
    if not dash.is_loopback(host):
        err_console.print("[bold yellow]warning:[/] " + escape(
            f"listening on {host}, not only on this machine: anyone on the network who can "
            f"reach port {port} can open the dashboard and drive the model"), highlight=False)
    console.print(f"sosim dashboard: {cfg.name} on http://{host}:{port} (Ctrl+C stops it)",
                  highlight=False)
    dash.serve(scenario, host, port, open_browser)


def main() -> None:
    """Entry point: run the app, turning stray input errors into exit code 2."""
    try:
        app()
    except Exception as exc:
        from sim.scenario import ScenarioError  # imported here: --help does not load the model

        if not isinstance(exc, ScenarioError):
            raise
        for line in exc.format().splitlines():
            err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False)
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":
    main()
