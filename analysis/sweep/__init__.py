"""Scenario sweeps at scale: a sweep file (data) names a base scenario, the parameters to vary
(by their dotted path in the scenario), a design, replications, a root seed and the outcomes to
keep; this package turns it into runs, executes them on a process pool or Dask, streams the
results to Parquet as they finish, and resumes an interrupted sweep without losing or doubling
a run.

Seeds (common random numbers): replication *k* of every design point runs with the same seed,
``SeedSequence(root).spawn(replications)[k].generate_state(1)[0]``, so comparisons between design
points are paired. The one exception is the ``dummy`` factor that ``sobol`` and ``morris``
designs add for the sensitivity analysis: it is inert in the model and is the only input allowed
to move the seed (``SeedSequence(root, spawn_key=(k, code(dummy)))``), so its index measures
run-to-run noise; every pair of runs the Sobol and Morris estimators compare for a real parameter
shares the dummy value and hence the seed.

Storage (``DIR``)::

    sweep.json            the resolved sweep: spec, base scenario, seeds, SALib problem, version
    design.parquet        one row per design point (unit-cube coordinates and parameter values)
    runs/part-*.parquet   one row per run; read the folder as one dataset
    timeseries/point=P/part-*.parquet   monthly series of the kept columns (hive-partitioned)
    manifest.json         committed parts and counts (an index; rebuilt from the parts on resume)

A comparison (``sosim compare``, ``analysis.compare``) is written in this layout too, as a sweep
over scenario files (``sweep.json`` with ``kind: compare``, one design point per scenario), and
also keeps each run's tables under ``tables/<scenario>/seed=<seed>/``.

Commit protocol of a part (a batch of finished runs), safe against SIGKILL at any instant:
monthly files are written to ``_staging/<part>/``; the runs part is written to a temporary name
and renamed into ``runs/`` (the commit); the staged monthly files are then renamed into
``timeseries/``. On start, staged files of a committed part are rolled forward and those of an
uncommitted part deleted, so a run's rows exist in both datasets or in neither.

Pilot-sized sweeps: ``scenarios/sweeps/smoke.yaml``. Sources: Saltelli et al. (2010) for the Sobol
design (SALib), Morris (1991) / Campolongo et al. (2007) for elementary effects.

Designs: ``grid`` (every combination), ``lhs``, ``sobol``, ``morris`` (samples for the
sensitivity analysis) and ``oat``, one factor at a time: a baseline point (each parameter at its
first value), each parameter moved alone to each of its other values, and each named ``case``
(values set and dated events added together, e.g. a support switched off from 2008) applied
alone to the baseline; each point names the ``factor`` moved and its ``level``, and
``effects`` summarises such a sweep (survival by line per lever, replication intervals, paired
changes against the baseline). A sweep's ``set`` may replace the base's dated events
(``events: []`` drops them).

Modules, by concern: ``spec`` (the sweep file's schema and validation), ``outcomes`` (what a run
can keep), ``design`` (design points), ``effects`` (a one-factor-at-a-time sweep's table),
``seeds``, ``plan`` (jobs, run keys, schemas), ``worker`` (one run), ``store`` (the folder and
its commit protocol), ``run`` (the sweep loop), ``dryrun`` and ``results`` (reading a folder),
``merge`` (the shards of a sweep split with ``--shard K/N`` into one folder).
The back-ends (inline, processes, Dask) and the replication seeds are those of every runner of
many runs, ``analysis.runmany``. The names below are
re-exported so that ``from analysis.sweep import ...`` keeps working.
"""

from analysis.runmany import InlineExecutor, executor
from analysis.sweep.design import Design, design_seed, make_design, oat_baseline, oat_design
from analysis.sweep.dryrun import DryRun, dry_run
from analysis.sweep.merge import MergeReport, merge_shards
from analysis.sweep.outcomes import MONTHLY_COLUMNS, SUMMARY_OUTCOMES, alive_columns, outcome_values
from analysis.sweep.plan import FORMAT, Job, Plan, make_plan, run_key, shard_of
from analysis.sweep.results import read_monthly, read_runs
from analysis.sweep.run import SweepReport, run_sweep
from analysis.sweep.seeds import dummy_seed, replication_seeds
from analysis.sweep.spec import (
    BASELINE,
    DUMMY,
    FACTOR,
    LEVEL,
    MAX_RUNS,
    SPECIAL_PARAMETERS,
    Case,
    MorrisOptions,
    Outcomes,
    ParameterSpec,
    SobolOptions,
    Sweep,
    SweepError,
    SweepSpec,
    apply_point,
    grid_size,
    load_sweep,
    oat_size,
)
from analysis.sweep.store import RunStore, open_store
from analysis.sweep.worker import execute

__all__ = [
    "BASELINE", "DUMMY", "FACTOR", "FORMAT", "LEVEL", "MAX_RUNS", "MONTHLY_COLUMNS",
    "SPECIAL_PARAMETERS", "SUMMARY_OUTCOMES", "Case", "Design", "DryRun", "InlineExecutor", "Job",
    "MergeReport", "MorrisOptions", "Outcomes", "ParameterSpec",
    "Plan", "RunStore", "SobolOptions", "Sweep", "SweepError", "SweepReport", "SweepSpec",
    "alive_columns", "apply_point", "design_seed", "dry_run", "dummy_seed", "execute", "executor",
    "grid_size", "load_sweep", "make_design", "make_plan", "open_store", "outcome_values",
    "oat_baseline", "oat_design", "oat_size", "read_monthly", "read_runs", "replication_seeds",
    "merge_shards", "run_key", "run_sweep", "shard_of",
]
