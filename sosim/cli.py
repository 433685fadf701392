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
from typing import TYPE_CHECKING, Annotated, Any

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


PosteriorOpt = Annotated[
    Path | None,
    typer.Option("--posterior", help="A sosim calibrate folder: replication k uses posterior "
                 "draw k (resampled by weight, seeded by the root seed)"),
]
DrawsOpt = Annotated[
    int | None,
    typer.Option("--draws", min=1, help="Posterior draws, one replication each (default: "
                 "--reps); needs --posterior"),
]


def _draws(posterior: Path | None, draws: int | None, reps: int, root: int
           ) -> list[dict[str, float]] | None:
    """The posterior draws of a run set (None without --posterior); bad input exits 2."""
    from analysis.runmany import posterior_draws
    from sim.scenario import ScenarioError

    if posterior is None:
        if draws is not None:
            fail(ScenarioError([("--draws", "", "needs --posterior DIR")]))
        return None
    try:
        return posterior_draws(posterior, draws or reps, root)
    except ScenarioError as exc:
        fail(exc)
        raise  # unreachable


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
    posterior: Annotated[Path | None, typer.Option(
        "--posterior", help="A sosim calibrate folder: run with its draw 0 (resampled by "
        "weight, seeded by the run's seed)")] = None,
    allow_large: AllowLargeOpt = False,
) -> None:
    """Run one scenario and print its summary (and write its tables with --out)."""
    from sim import __version__, outputs
    from sim import run as run_model
    from sim.scenario import ScenarioError, scenario_with
    from sim.size import check_size

    cfg = _load(scenario, set_, seed)
    if posterior is not None:
        draw = (_draws(posterior, 1, 1, cfg.seed) or [{}])[0]
        try:
            cfg = scenario_with(cfg, draw)
        except ScenarioError as exc:
            fail(exc)
        if not quiet:
            console.print("  posterior draw: " + ", ".join(f"{k}={v:.4g}"
                                                           for k, v in draw.items()),
                          highlight=False)
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
    posterior: PosteriorOpt = None,
    draws: DrawsOpt = None,
) -> None:
    """Check a scenario against the observed Kerala patterns (analysis/patterns.yaml)."""
    from analysis.patterns import check_patterns, load_patterns
    from sim.scenario import ScenarioError

    cfg = _load(scenario, set_)
    try:
        pats = load_patterns()
    except ScenarioError as exc:
        fail(exc)
    sample = _draws(posterior, draws, reps, seed)
    try:
        if sample:
            from analysis.runmany import with_posterior

            with_posterior(cfg, sample[:1])  # a draw naming no parameter of it: exit 2 now
    except ScenarioError as exc:
        fail(exc)
    t0 = time.perf_counter()
    from analysis.runmany import WorkerLost

    try:
        report = check_patterns(cfg, reps=reps, root_seed=seed, workers=workers, patterns=pats,
                                draws=sample)
    except WorkerLost as exc:  # a run's worker died on every retry
        err_console.print(f"[bold red]error:[/] {escape(f'{scenario}: {exc}')}", highlight=False)
        raise typer.Exit(1) from None
    what = (f"{report.reps} posterior draws x seeds (parameter and stochastic uncertainty)"
            if sample else f"{reps} replications")
    t = Table(title=f"{cfg.name}: {what}, root seed {seed}", header_style="bold")
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
def calibrate(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option(help="Folder: history.db, posterior.parquet, report.html")],
    budget: Annotated[int, typer.Option(min=1, help="Model runs in all (the generation under "
                                        "way when it is reached is finished)")] = 2000,
    population: Annotated[int, typer.Option(min=2, help="Draws kept per generation")] = 100,
    workers: Annotated[int, typer.Option(min=1, help="Processes (1: reproducible from --seed)")]
    = 1,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the sampler")] = 0,
    transition: Annotated[str, typer.Option(help="How a generation proposes draws: marginal "
                                            "(one kernel per parameter), multivariate, local")]
    = "marginal",
    set_: SetOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
) -> None:
    """Posterior of the scenario's calibrated parameters given the field patterns (ABC-SMC,
    pyabc); resumes the history in --out. Needs the analysis extra."""
    from sim.scenario import ScenarioError

    cfg = _load(scenario, set_)
    try:
        import pyabc  # noqa: F401 - only to say which extra is missing

        from analysis import inference
    except ImportError as exc:
        err_console.print("[bold red]error:[/] " + escape(
            f"calibrate needs the [analysis] extra (pip install -e '.[analysis]'): {exc}"),
            highlight=False)
        raise typer.Exit(1) from None
    try:
        base = inference.calibration_base(cfg)
        priors = inference.load_priors(inference.priors_path(scenario), base)
        pats = inference.default_patterns()
        check_writable(out)
        result = inference.calibrate(base, priors, pats, out, budget=budget,
                                     population=population, workers=workers, seed=seed,
                                     progress=not quiet, transition=transition)
    except ScenarioError as exc:
        fail(exc)
    t = Table(title="identifiability: posterior spread / prior spread", header_style="bold")
    for col in ("parameter", "prior", "posterior median", "90% credible interval", "sd ratio"):
        t.add_column(col, justify="left" if col == "parameter" else "right")
    for r in result.identifiability.itertuples():
        t.add_row(r.parameter, f"{_num(r.prior_low)} – {_num(r.prior_high)}",
                  _num(r.posterior_median), f"{_num(r.ci_low)} – {_num(r.ci_high)}",
                  f"{r.sd_ratio:.2f}")
    Console(width=max(console.width, 110), soft_wrap=True).print(t)
    last = result.diagnostics.iloc[-1]
    console.print(f"  {result.runs:,} runs in all, {len(result.diagnostics)} generation(s); "
                  f"last: tolerance {last['tolerance']:.3g}, acceptance "
                  f"{last['acceptance_rate']:.1%}, effective sample size "
                  f"{last['effective_sample_size']:.0f}; {result.seconds:.0f} s this call",
                  highlight=False)
    console.print(f"  written {out}/posterior.parquet, diagnostics.csv, report.html",
                  highlight=False)
    if result.stopped:
        _warn(f"{out}: {result.stopped}")


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(
        help="Sweep YAML file (or the word merge, then the shard folders)", show_default=False)],
    shard_dirs: Annotated[list[Path] | None, typer.Argument(
        help="With merge: the shard folders DIR_1 ... DIR_N", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (runs/, timeseries/, ...)")]
    = None,
    shard: Annotated[str | None, typer.Option(
        help="K/N: run only the K-th of N disjoint slices of the runs (a job array's task); "
        "merge the N folders with: sosim sweep merge DIR_1 ... DIR_N --out DIR")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    backend: Annotated[str, typer.Option(help="processes or dask")] = "processes",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address")] = None,
    retries: Annotated[int | None, typer.Option(
        min=0, help="Times a run is tried again: after its worker process dies, before it is "
        "recorded as failed (processes, default 2), or when it errs on a Dask worker (default "
        "3)")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip runs already recorded")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Time pilot runs, estimate")] = False,
    part_size: Annotated[int, typer.Option(min=1, help="Runs per Parquet part")] = 50,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
    posterior: PosteriorOpt = None,
    draws: Annotated[int | None, typer.Option(
        "--draws", min=1, help="Posterior draws, one replication each (default: the sweep's "
        "replications); needs --posterior")] = None,
    allow_large: AllowLargeOpt = False,
) -> None:
    """Run a scenario sweep (grid, lhs, sobol, morris, oat), streaming results; resumable.
    `sosim sweep merge DIR_1 ... DIR_N --out DIR` merges the folders of a sweep run with
    --shard 1/N ... N/N into the folder the unsharded sweep would have written."""
    from analysis.runmany import BACKENDS
    from analysis.sweep import dry_run as estimate
    from analysis.sweep import load_sweep, run_sweep
    from analysis.sweep.dryrun import check_sweep_size
    from sim.scenario import ScenarioError

    if str(sweep_file) == "merge" and not sweep_file.is_file():
        _merge_shards(shard_dirs or [], out, quiet)
        return
    try:
        if shard_dirs:
            raise ScenarioError([(str(shard_dirs[0]), "", "unexpected argument (one sweep file; "
                                  "to merge shards: sosim sweep merge DIR_1 ... --out DIR)")])
        shard_kn = _parse_shard(shard)
        if backend not in BACKENDS:
            raise ScenarioError([("--backend", "", f"expected {' or '.join(BACKENDS)}, "
                                  f"got {backend}")])
        sw = load_sweep(sweep_file)
        sample = _draws(posterior, draws, sw.spec.replications, sw.spec.seed)
        if sample:
            from analysis.runmany import with_posterior

            with_posterior(sw.base, sample[:1])  # a draw naming no parameter of it: exit 2 now
        # before any world is built: the largest run, on every worker at once
        check_sweep_size(sw, str(sweep_file), 1 if dry_run else workers, allow_large)
        if dry_run:
            d = estimate(sw, workers=workers, draws=sample)
            eta = d.estimated_seconds
            eta_text = f"{eta:.0f} s" if eta < 120 else f"{eta / 60:.1f} min"
            console.print(
                f"{sw.spec.name}: {d.runs:,} runs ({d.points:,} design points x "
                f"{d.replications} replications)\n  pilot: {d.pilot_runs} run(s) timed on this "
                f"machine, {d.workers} at a time: {d.seconds_per_run:.2f} s each\n"
                f"  estimated time on {d.workers} worker(s): "
                f"{eta_text}\n  estimated output: "
                f"{d.estimated_bytes / 1e6:.1f} MB ({d.bytes_per_run / 1e3:.1f} kB per run)"
                f"\n  estimated memory: {d.memory_per_run / 1e6:,.0f} MB per worker "
                "(the largest run)",
                highlight=False)
            if shard_kn is not None:
                from analysis.sweep import make_plan

                mine = make_plan(sw, shard=shard_kn, draws=sample).total
                console.print(f"  shard {shard_kn[0]}/{shard_kn[1]}: {mine:,} of the "
                              f"{d.runs:,} runs (about {mine / max(d.runs, 1):.0%} of the time "
                              "and output above)", highlight=False)
            return
        if out is None:
            raise ScenarioError([("--out", "", "an output folder is needed (or --dry-run)")])
        check_writable(out)  # a folder that cannot be written is found before any run
        rep = run_sweep(sw, out, workers=workers, backend=backend, scheduler=scheduler,
                        resume=resume, part_size=part_size, progress=not quiet, shard=shard_kn,
                        retries=retries, draws=sample, notify=_warn)
    except ScenarioError as exc:
        fail(exc)
    if not quiet:
        of = "" if shard_kn is None else f" (shard {shard_kn[0]}/{shard_kn[1]})"
        console.print(f"{rep.recorded:,} of {rep.total:,} runs{of} recorded in {out}/ "
                      f"({rep.ran:,} run now, {rep.skipped:,} already there, {rep.failed:,} "
                      f"failed) in {rep.seconds:.1f} s", highlight=False)
    if rep.lost:
        err_console.print(f"[bold yellow]warning:[/] {rep.lost:,} run(s) not recorded: their "
                          "Dask workers kept dying; --resume runs them again", highlight=False)
    if sw.spec.design == "oat" and rep.recorded and shard_kn is None:
        _write_effects(out, None, quiet)


def _parse_shard(text: str | None) -> tuple[int, int] | None:
    """``--shard K/N`` as ``(K, N)``, 1 <= K <= N; ScenarioError (one line) otherwise."""
    from sim.scenario import ScenarioError

    if text is None:
        return None
    k, sep, n = text.partition("/")
    if sep and k.strip().isdigit() and n.strip().isdigit() and 1 <= int(k) <= int(n):
        return int(k), int(n)
    raise ScenarioError([("--shard", "", f"expected K/N with 1 <= K <= N (e.g. 3/8), got {text}")])


def _merge_shards(folders: list[Path], out: Path | None, quiet: bool) -> None:
    """``sosim sweep merge DIR_1 ... DIR_N --out DIR``: one folder with the runs of all shards."""
    from analysis.sweep.merge import merge_shards
    from sim.scenario import ScenarioError

    try:
        if out is None:
            raise ScenarioError([("--out", "", "an output folder is needed for the merge")])
        if not folders:
            raise ScenarioError([("merge", "", "give the shard folders: sosim sweep merge "
                                  "DIR_1 ... DIR_N --out DIR")])
        check_writable(out)
        rep = merge_shards(folders, out)
    except ScenarioError as exc:
        fail(exc)
    if not quiet:
        console.print(f"{rep.runs:,} runs of {rep.shards} shards merged into {out}/ "
                      f"({rep.failed:,} failed)", highlight=False)


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


@app.command()
def discover(
    sweep_dir: Annotated[Path, typer.Argument(help="A sweep folder", show_default=False)],
    outcome: Annotated[str, typer.Option(help="Outcome of the runs table, e.g. survival_10y")],
    below: Annotated[float | None, typer.Option(help="Runs of interest: outcome below this")]
    = None,
    above: Annotated[float | None, typer.Option(help="Runs of interest: outcome above this")]
    = None,
    min_coverage: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Keep the densest box holding at least this share of the cases")]
    = 0.5,
    min_density: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Look for a further box only while the last reaches this density")]
    = 0.8,
    max_boxes: Annotated[int, typer.Option(min=1, help="Most boxes to find")] = 3,
    peel_alpha: Annotated[float, typer.Option(min=0.01, max=0.5, help="Share peeled per step")]
    = 0.05,
    mass_min: Annotated[float, typer.Option(min=0.0, max=1.0, help="Smallest share of runs "
                                            "in a box")] = 0.05,
    html: Annotated[Path | None, typer.Option(help="Page of the trade-off and boxes (default "
                                              "DIR/discover-OUTCOME.html)")] = None,
) -> None:
    """Scenario discovery (PRIM): the regions of the parameter space where an outcome falls
    below (or rises above) a threshold, with their coverage and density."""
    from analysis.discover import discover as find_boxes
    from analysis.discover import write_html
    from sim.scenario import ScenarioError

    try:
        d = find_boxes(sweep_dir, outcome, below=below, above=above, min_coverage=min_coverage,
                       min_density=min_density, max_boxes=max_boxes, peel_alpha=peel_alpha,
                       mass_min=mass_min)
        page = html or sweep_dir / f"discover-{outcome}.html"
        try:
            check_writable(page.parent)
        except ScenarioError as exc:  # named for the page, not for --out
            raise ScenarioError([(str(page), "--html", reason)
                                 for _, _, reason in exc.problems]) from None
    except ScenarioError as exc:
        fail(exc)
    console.print(f"{sweep_dir}: {d.cases:,} of {d.runs:,} runs have {d.question} "
                  f"({d.cases / d.runs:.0%})", highlight=False)
    for b in d.boxes:
        t = Table(title=f"box {b.number}: coverage {b.coverage:.2f}, density {b.density:.2f}, "
                  f"{b.runs:,} runs ({b.cases:,} of interest)", header_style="bold",
                  title_justify="left")
        t.add_column("parameter")
        t.add_column("in the box")
        for lim in b.limits:
            t.add_row(lim.parameter, lim.text())
        if not b.limits:
            t.add_row("(none)", "the whole parameter space")
        console.print(t)
    if not d.boxes:
        console.print("  no box found", highlight=False)
    write_html(d, page)
    console.print(f"  trade-off and boxes: {page}", highlight=False)


@app.command()
def outcomes(
    names: Annotated[list[str] | None, typer.Argument(
        help="Outputs to describe (default: all), e.g. survival_10y", show_default=False)]
    = None,
    markdown: Annotated[bool, typer.Option(
        "--markdown", help="Print the whole glossary as markdown (docs/outputs.md)")] = False,
) -> None:
    """The glossary of outputs: every summary figure, sweep outcome and table column, with
    type, unit and exactly what it counts (from their one declaration, sim/columns)."""
    from sim.columns import entries, glossary
    from sim.scenario import ScenarioError

    if markdown:
        sys.stdout.write(glossary())
        return
    import re

    rows = entries()

    def matches(name: str, entry: str) -> bool:  # alive_training_at_end: alive_<line>_at_<when>
        if "<" not in entry:
            return name == entry
        pattern = "".join(".+" if part.startswith("<") else re.escape(part)
                          for part in re.split(r"(<[^>]+>)", entry) if part)
        return entry.startswith("<") is False and re.fullmatch(pattern, name) is not None

    if names:
        known = {r[1] for r in rows}
        bad = [n for n in names if not any(matches(n, k) for k in known)]
        if bad:
            import difflib

            problems = []
            for n in bad:
                hit = difflib.get_close_matches(n, sorted(known), n=1, cutoff=0.6)
                problems.append(("outcomes", n, "not an output of sosim"
                                 + (f" (did you mean '{hit[0]}'?)" if hit else "")))
            fail(ScenarioError(problems))
        rows = [r for r in rows if any(matches(n, r[1]) for n in names)]
    t = Table(title="sosim outputs (docs/outputs.md)", header_style="bold")
    for col in ("where", "name", "type", "unit"):
        t.add_column(col, no_wrap=True)
    t.add_column("meaning", ratio=1, overflow="fold")
    for row in rows:
        t.add_row(*(escape(v) for v in row))  # "dict[str, int]" is not rich markup
    Console(width=max(console.width, 120), soft_wrap=False).print(t)


PngOpt = Annotated[bool, typer.Option("--png", help="Also export each figure as PNG")]
SvgOpt = Annotated[bool, typer.Option("--svg", help="Also export each figure as SVG")]
ScaleOpt = Annotated[float, typer.Option(
    min=0.1, max=10.0, help="--png/--svg: multiply the figures' size (e.g. 3 for print)")]


def _write_report(folder: Path, png: bool, svg: bool, table_md: Path | None = None,
                  scale: float = 1.0) -> None:
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
        path, report = build_report(folder, formats=formats, scale=scale)
    except ReportError as exc:
        fail(ScenarioError([(str(folder), "report", str(exc).removeprefix(f"{folder}: "))]))
    except ExportError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    for sentence in report.brief:
        console.print(f"  {sentence}", highlight=False)
    for label, value in report.headline:
        console.print(f"  {label:<44} {value}", highlight=False)
    console.print(f"  report: {path}", highlight=False)
    if formats:
        console.print(f"  figures: {folder / 'figures'}/ ({', '.join(formats)})", highlight=False)


def _print_paired(out: Path) -> None:
    """Print the paired-difference table the comparison wrote (paired_differences.parquet)."""
    import pandas as pd

    from analysis.paired import FILE, interval_text

    path = out / f"{FILE}.parquet"
    if not path.is_file():
        return
    table = pd.read_parquet(path)
    if table.empty:
        return
    t = Table(title="paired differences, scenario - first scenario (same seeds)",
              header_style="bold")
    for col in ("scenario", "figure", "mean, first", "mean, scenario", "difference (95% CI)"):
        t.add_column(col)
    for _, r in table.iterrows():
        t.add_row(str(r["scenario"]), str(r["label"]), _num(r["mean_reference"]),
                  _num(r["mean_scenario"]), interval_text(r))
    Console(width=max(console.width, 120), soft_wrap=True).print(t)
    console.print(f"  [dim]written {path} and {path.with_suffix('.csv')}[/]", highlight=False)


@app.command()
def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario YAML files to compare", show_default=False)
    ],
    out: Annotated[Path, typer.Option(help="Folder for the runs, runs.parquet and report.html")],
    reps: Annotated[str, typer.Option(
        help="Replications per scenario, or 'auto': in batches until the headline difference's "
        "95% interval is --precision wide on each side (or --max-reps)")] = "10",
    precision: Annotated[float, typer.Option(
        help="--reps auto: largest half-width of the headline difference's 95% interval (a "
        "share for survival: 0.01 is one percentage point)")] = 0.01,
    max_reps: Annotated[int, typer.Option(min=2, help="--reps auto: most replications")] = 200,
    batch: Annotated[int, typer.Option(
        min=2, help="--reps auto: replications of the first batch, and the least added by "
        "each further batch")] = 10,
    headline: Annotated[str, typer.Option(
        help="--reps auto: the figure whose difference (second scenario vs first) is narrowed: "
        "an outcome of paired_differences, e.g. survival_5y, units_alive_end")] = "survival_10y",
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the paired replications")] = 0,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores)")]
    = None,
    set_: SetOpt = None,
    png: PngOpt = False,
    svg: SvgOpt = False,
    scale: ScaleOpt = 1.0,
    allow_large: AllowLargeOpt = False,
    posterior: PosteriorOpt = None,
    draws: Annotated[int | None, typer.Option(
        "--draws", min=1, help="Posterior draws, one replication each (default: --reps); "
        "needs --posterior")] = None,
) -> None:
    """Run scenarios on the same seeds (paired replications) and build the HTML report; the
    headline is each scenario's paired difference against the first, with its interval. With
    --posterior, replication k of every scenario runs on posterior draw k (and seed k)."""
    from analysis.compare import run_adaptive_comparison, run_comparison
    from analysis.runmany import WorkerLost
    from sim.scenario import ScenarioError

    t0 = time.perf_counter()
    auto = reps.strip().lower() == "auto"
    if not auto:
        try:
            n_reps = int(reps)
        except ValueError:
            n_reps = 0
        if n_reps < 1:
            fail(ScenarioError([("<command line>", "--reps",
                                 f"{reps!r}: give a whole number of at least 1, or auto")]))
    elif posterior is not None or draws is not None:
        fail(ScenarioError([("<command line>", "--reps auto",
                             "cannot be combined with --posterior or --draws: give --draws K "
                             "with --posterior (one replication per draw)")]))
    sample = None if auto else _draws(posterior, draws, n_reps, seed)

    def progress(done: int, total: int) -> None:
        if done == total or done % max(1, total // 10) == 0:
            err_console.print(f"  [dim]{done}/{total} runs[/]", highlight=False)

    def batch_done(done: int, half: float) -> None:
        width = "no interval yet" if half != half else f"half-width {half:.4g}"
        err_console.print(f"  [dim]{done} replications: {headline} difference {width} "
                          f"(target {precision:g})[/]", highlight=False)

    try:
        check_writable(out)  # a folder that cannot be written is found before any run
        if auto:
            runs, info = run_adaptive_comparison(
                scenarios, out, precision, max_reps=max_reps, batch=batch, outcome=headline,
                root_seed=seed, sets=set_, workers=workers, progress=progress,
                batch_done=batch_done, allow_large=allow_large)
        else:
            runs = run_comparison(scenarios, out, reps=len(sample) if sample else n_reps,
                                  root_seed=seed, sets=set_, workers=workers, progress=progress,
                                  allow_large=allow_large, draws=sample)
    except ScenarioError as exc:
        fail(exc)
    except WorkerLost as exc:  # a run's worker died on every retry: nothing to compare
        err_console.print(f"[bold red]error:[/] {escape(f'{out}: {exc}')}; the runs that "
                          "finished are kept, run the command again to go on", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"  {len(runs)} runs in {time.perf_counter() - t0:.1f} s -> {out}/",
                  highlight=False)
    if auto:
        half = info["half_width"]
        console.print(
            f"  --reps auto: {info['reps']} replications per scenario "
            f"({len(info['batches'])} batch{'es' * (len(info['batches']) != 1)}); "
            f"{headline} difference half-width {half:.4g} "
            f"{'<=' if info['stopped'] == 'precision met' else '>'} {precision:g}: "
            f"{info['stopped']}", highlight=False)
    _write_report(out, png, svg, scale=scale)
    _print_paired(out)


@app.command()
def report(
    folder: Annotated[Path, typer.Argument(help="A run, comparison or sweep folder",
                                           show_default=False)],
    png: PngOpt = False,
    svg: SvgOpt = False,
    table_md: Annotated[Path | None, typer.Option(
        "--table-md", help="oat sweeps: also write the effects table as markdown here "
        "(e.g. docs/threats_and_supports.md)")] = None,
    scale: ScaleOpt = 1.0,
) -> None:
    """Build DIR/report.html from a run (sosim run --out), comparison or sweep folder."""
    _write_report(folder, png, svg, table_md, scale)


@app.command()
def export(
    folder: Annotated[Path, typer.Argument(help="A sweep or comparison folder",
                                           show_default=False)],
    csv: Annotated[bool, typer.Option("--csv", help="The runs and the per-point summary as "
                                      "CSV")] = False,
    png: Annotated[bool, typer.Option("--png", help="The report's figures as PNG")] = False,
    svg: Annotated[bool, typer.Option("--svg", help="The report's figures as SVG")] = False,
    scale: ScaleOpt = 1.0,
    out: Annotated[Path | None, typer.Option(help="CSV folder (default DIR/export)")] = None,
) -> None:
    """Export a sweep's data: --csv writes runs.csv and summary_by_point.csv; --png/--svg
    write the report's figures (DIR/figures/, --scale for print) with DIR/report.html."""
    from analysis.report.csvdata import export_csv
    from sim.scenario import ScenarioError

    if not (csv or png or svg):
        fail(ScenarioError([("sosim export", "", "say what to export: --csv, --png or --svg")]))
    if csv:
        try:
            check_writable(out or folder)
            paths = export_csv(folder, out)
        except ScenarioError as exc:
            fail(exc)
        for p in paths:
            console.print(f"  {p}", highlight=False)
    if png or svg:
        _write_report(folder, png, svg, scale=scale)


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
    """Start the teaching dashboard (Mesa's Solara controls) in the browser (the dashboard
    extra)."""
    # loading the browser libraries takes seconds: say so before it starts
    console.print("sosim dashboard: starting…", highlight=False)
    try:
        from sosim import dashboard as dash
    except ImportError as exc:
        err_console.print("[bold red]error:[/] " + escape(
            f"the dashboard needs the [dashboard] extra (pip install -e '.[dashboard]'): {exc}"),
            highlight=False)
        raise typer.Exit(1) from None
    cfg = _load(scenario or dash.BASELINE, None)  # bad input: exit 2 before a server starts
    # each browser connection builds its own world
    port = _before_serving(cfg, str(scenario or dash.BASELINE), host, port, allow_large, 1,
                           "open the dashboard and drive the model")
    console.print(f"sosim dashboard: {cfg.name} on http://{host}:{port} (Ctrl+C stops it); "
                  "the page answers in a few seconds", highlight=False)
    dash.serve(scenario, host, port, open_browser)


def _before_serving(cfg: Any, source: str, host: str, port: int, allow_large: bool,
                    worlds: int, what: str) -> int:
    """What the dashboard and a workshop room check before their server starts: that
    ``worlds`` runs of the scenario fit in memory (``sim.size``), the port (``--port 0``: the
    free one picked), and a warning when anyone on the network could ``what``. Returns the
    port."""
    from sim.scenario import ScenarioError
    from sim.size import check_size
    from sosim import dashboard as dash

    try:
        check_size(cfg, source, worlds, allow_large=allow_large)
    except ScenarioError as exc:
        fail(exc)
    port, problem = dash.choose_port(host, port)
    if problem:
        err_console.print(f"[bold red]error:[/] {escape(problem)}", highlight=False)
        raise typer.Exit(1)
    if not dash.is_loopback(host):
        err_console.print("[bold yellow]warning:[/] " + escape(
            f"listening on {host}, not only on this machine: anyone on the network who can "
            f"reach port {port} can {what}"), highlight=False)
    return port


@app.command()
def workshop(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario YAML file (default: scenarios/kerala_baseline.yaml)", show_default=False)]
    = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free port)")] = 8766,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    start: Annotated[str, typer.Option(help="Month play starts (YYYY-MM, a quarter's first)")]
    = "2001-01",
    quarter_seconds: Annotated[float, typer.Option(
        min=5, help="Seconds a quarter lasts once the teacher presses Start")] = 90,
    allow_large: AllowLargeOpt = False,
) -> None:
    """Start a played workshop: each participant runs one cooperative among the simulated
    ones; the teacher's page drives the room (the dashboard extra)."""
    console.print("sosim workshop: starting…", highlight=False)
    try:
        from sosim import dashboard as dash
        from sosim import workshop as ws
    except ImportError as exc:
        err_console.print("[bold red]error:[/] " + escape(
            f"the workshop needs the [dashboard] extra (pip install -e '.[dashboard]'): {exc}"),
            highlight=False)
        raise typer.Exit(1) from None
    cfg = _load(scenario or dash.BASELINE, None)  # bad input: exit 2 before a server starts
    # the room runs two worlds (the played one and its rule-driven twin): checked before either
    port = _before_serving(cfg, str(scenario or dash.BASELINE), host, port, allow_large, 2,
                           "join the room")
    try:
        room = ws.Room(cfg, start=start, quarter_seconds=quarter_seconds)
    except ws.RoomError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(scenario or dash.BASELINE))}: "
                          f"{escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    console.print(f"sosim workshop: {cfg.name}, room {room.code}\n"
                  f"  participants: http://{shown}:{port}/room/{room.code}\n"
                  f"  teacher:      http://{shown}:{port}/teacher/{room.teacher_key}\n"
                  "(Ctrl+C stops it)", highlight=False)
    dash.announce_when_ready(host, port, "sosim workshop")
    ws.serve(room, host, port)


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
