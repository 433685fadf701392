"""A sweep's plan: its runs (Job) enumerated lazily, their seeds and keys (run identity for resume),
and the Arrow schemas and metadata the store writes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from analysis.runmany import with_posterior
from analysis.sweep.design import Design, make_design
from analysis.sweep.outcomes import MONTHLY_COLUMNS, alive_columns
from analysis.sweep.seeds import dummy_seed, replication_seeds
from analysis.sweep.spec import DUMMY, FACTOR, LEVEL, Case, Outcomes, Sweep
from sim.columns import RUN_COLUMNS
from sim.scenario import Scenario, parse_year_month

FORMAT = 1
NEVER = "none"
"""How the runs table and design.parquet store ``mission_withdraws`` for "never withdraws"."""


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def _digest(obj: Any) -> str:
    return hashlib.sha256(_canonical(obj).encode()).hexdigest()


def run_key(base_hash: str, params: dict[str, Any], seed: int, version: str, point: int,
            replication: int) -> str:
    """Identity of a run (what ``--resume`` skips by): resolved base scenario, design point index,
    replication, parameter values, seed and model version. The point and replication are in it
    because a design may repeat a parameter set (an integer LHS over [1, 2] with 6 samples): each
    repeat is its own run and must not be taken for one already recorded (issue 17, item 3)."""
    return _digest({"base": base_hash, "point": point, "replication": replication,
                    "params": params, "seed": seed, "version": version})[:32]


def shard_of(key: str, count: int) -> int:
    """The shard (1 to ``count``) a run belongs to when a sweep is split in ``count`` disjoint
    slices (``sosim sweep --shard K/N``): its run key, a hash, modulo ``count``. It depends on
    nothing but the key, so every machine of a job array agrees without talking to the others."""
    return int(key, 16) % count + 1


@dataclass(frozen=True)
class Job:
    """Everything a worker needs for one run (picklable)."""

    run: int
    point: int
    replication: int
    seed: int
    key: str
    params: dict[str, Any]
    base: Scenario
    outcomes: Outcomes
    case: Case | None = None
    """The case this point applies (a level of an oat design), or None."""


@dataclass
class Plan:
    """A sweep's runs, enumerated lazily: (point, replication) in point-major order."""

    sweep: Sweep
    design: Design
    version: str
    shard: tuple[int, int] | None = None
    """``(K, N)``: only the K-th of N disjoint slices of the runs (``shard_of``); None: all."""
    draws: list[dict[str, float]] | None = None
    """Posterior draws (``runmany.posterior_draws``): replication k runs on the base scenario
    with draw k's values (the design point's own values on top), so there are as many
    replications as draws."""
    seeds: list[int] = field(init=False)
    base_hash: str = field(init=False)
    bases: list[Scenario] = field(init=False, repr=False)
    _ptypes: dict[str, pa.DataType] = field(init=False, repr=False)
    _shard_total: int | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self.seeds = replication_seeds(self.sweep.spec.seed, self.replications)
        self.base_hash = _digest(self.sweep.base.model_dump(mode="json"))
        self.bases = with_posterior(self.sweep.base, self.draws)
        self._ptypes = self.param_types()

    @property
    def replications(self) -> int:
        return len(self.draws) if self.draws else self.sweep.spec.replications

    def base_of(self, replication: int) -> Scenario:
        """The scenario replication ``replication`` starts from (its posterior draw's)."""
        return self.bases[replication] if self.draws else self.sweep.base

    @property
    def full_total(self) -> int:
        """Runs of the whole sweep (every shard)."""
        return len(self.design) * self.replications

    @property
    def total(self) -> int:
        """Runs of this plan: the whole sweep, or this shard's slice of it."""
        if self.shard is None:
            return self.full_total
        if self._shard_total is None:
            self._shard_total = sum(1 for _ in self.jobs())
        return self._shard_total

    def seed(self, point: int, replication: int) -> int:
        pt = self.design.points[point]
        if DUMMY in pt and self.sweep.has_dummy:
            return dummy_seed(self.sweep.spec.seed, replication, pt[DUMMY])
        return self.seeds[replication]

    def jobs(self, skip: set[str] | frozenset[str] = frozenset()) -> Iterator[Job]:
        """Jobs not yet recorded (their keys not in ``skip``)."""
        o = self.sweep.spec.outcomes
        for p, params in enumerate(self.design.points):
            case = self.case(params)
            # a case's content is part of the run's identity, not only its name
            keyed = params if case is None else {**params, "case": case.model_dump(mode="json")}
            if self.draws:
                keyed = {**keyed, "posterior_draw": None}
            for k in range(self.replications):
                seed = self.seed(p, k)
                if self.draws:
                    keyed["posterior_draw"] = self.draws[k]
                key = run_key(self.base_hash, keyed, seed, self.version, p, k)
                if self.shard is not None and shard_of(key, self.shard[1]) != self.shard[0]:
                    continue
                if key not in skip:
                    yield Job(p * self.replications + k, p, k, seed, key, params,
                              self.base_of(k), o, case)

    def case(self, params: dict[str, Any]) -> Case | None:
        """The case a design point applies (oat designs), or None."""
        name = params.get(FACTOR)
        cases = self.sweep.spec.cases
        return cases.get(name) if name not in self.sweep.spec.parameters else None

    def keys(self) -> set[str]:
        """Every run key of the plan (one per run: no two runs share a key)."""
        return {job.key for job in self.jobs()}

    def spec_hash(self) -> str:
        # ``points`` (a table design's file) left out when unset: the hash of a grid, lhs...
        # sweep is the one it had before table designs existed (its folders still resume)
        skip = {"description"} | ({"points"} if self.sweep.spec.points is None else set())
        spec = self.sweep.spec.model_dump(mode="json", exclude=skip)
        extra: dict[str, Any] = {}
        if self.sweep.rows is not None:  # a table design: the points file's rows, in order
            extra["rows"] = self.sweep.rows
        if self.draws:  # posterior draws: replication k runs on draw k
            extra["posterior"] = self.draws
        if extra:
            return _digest({"spec": spec, "base": self.base_hash, **extra})
        return _digest({"spec": spec, "base": self.base_hash})

    # ---------------------------------------------------------------- Arrow schemas
    def param_types(self) -> dict[str, pa.DataType]:
        out: dict[str, pa.DataType] = {}
        for name in self.design.names:
            if name == DUMMY:
                out[name] = pa.float64()
                continue
            if name in (FACTOR, LEVEL):
                out[name] = pa.string()
                continue
            p = self.sweep.spec.parameters[name]
            if name == "mission_withdraws":
                out[name] = pa.string()
            elif p.values is None:
                out[name] = pa.int64() if p.integer else pa.float64()
            else:
                vals = [v for v in p.values if v is not None]
                if vals and all(isinstance(v, bool) for v in vals):
                    out[name] = pa.bool_()
                elif vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
                    out[name] = pa.int64()
                elif vals and all(isinstance(v, int | float) and not isinstance(v, bool)
                                  for v in vals):
                    out[name] = pa.float64()
                else:
                    out[name] = pa.string()
        return out

    def runs_schema(self) -> pa.Schema:
        o = self.sweep.spec.outcomes
        arrow = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}
        # the columns every run has, as declared once in sim.columns (SWEEP_RUNS)
        fields = [(c.name, arrow[c.dtype]) for c in RUN_COLUMNS]
        fields += list(self.param_types().items())
        fields += [(k, pa.float64()) for k in o.summary]
        fields += [(c, pa.int64()) for c in alive_columns(o)]
        return pa.schema(fields)

    def monthly_schema(self) -> pa.Schema:
        types = {"int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
        fields = [("run", pa.int64()), ("replication", pa.int64()),
                  ("date", pa.timestamp("s")), ("month", pa.int64())]
        fields += [(c, types[MONTHLY_COLUMNS[c]]) for c in self.sweep.spec.outcomes.monthly]
        return pa.schema(fields)

    def param_cell(self, name: str, value: Any) -> Any:
        if name == "mission_withdraws":
            # "never withdraws" is the plain string ``none`` (not null), so that
            # ``runs.query("mission_withdraws == 'none'")`` finds those runs
            if value is None or (isinstance(value, str) and value.lower() == "none"):
                return NEVER
            return parse_year_month(value)
        if pa.types.is_string(self._ptypes[name]) and value is not None:
            return value if isinstance(value, str) else json.dumps(value)
        return value

    def design_table(self) -> pa.Table:
        cols: dict[str, list] = {"point": list(range(len(self.design)))}
        if self.design.unit is not None:
            for j, name in enumerate(self.design.names):
                cols[f"u.{name}"] = self.design.unit[:, j].tolist()
        types = self.param_types()
        for name in self.design.names:
            cols[name] = [self.param_cell(name, pt.get(name)) for pt in self.design.points]
        schema = pa.schema([("point", pa.int64())]
                           + [(c, pa.float64()) for c in cols if c.startswith("u.")]
                           + list(types.items()))
        return pa.Table.from_pydict(cols, schema=schema)

    def describe(self) -> dict[str, Any]:
        """What sweep.json stores."""
        return {
            "format": FORMAT,
            "name": self.sweep.spec.name,
            "file": self.sweep.file,
            "version": self.version,
            "spec": self.sweep.spec.model_dump(mode="json"),
            "spec_hash": self.spec_hash(),
            "base_scenario": self.sweep.base.model_dump(mode="json"),
            "base_hash": self.base_hash,
            "design": self.sweep.spec.design,
            "parameters": self.design.names,
            "points": len(self.design),
            "replications": self.replications,
            "runs": self.full_total,
            "root_seed": self.sweep.spec.seed,
            "replication_seeds": self.seeds,
            **({"posterior_draws": self.draws} if self.draws else {}),
            "dummy": self.sweep.has_dummy,
            "salib_problem": self.design.problem,
        } | ({} if self.shard is None else {"shard": self.shard_info()})

    def shard_info(self) -> dict[str, int] | None:
        """What sweep.json says of a shard: its index, the number of shards, its runs."""
        if self.shard is None:
            return None
        return {"index": self.shard[0], "count": self.shard[1], "runs": self.total}


def make_plan(sweep: Sweep, version: str | None = None,
              shard: tuple[int, int] | None = None,
              draws: list[dict[str, float]] | None = None) -> Plan:
    """The plan of a sweep (of its ``shard`` ``(K, N)`` only, when given; with posterior
    ``draws``, one replication per draw)."""
    if version is None:
        from sim import __version__ as version
    return Plan(sweep, make_design(sweep.spec, sweep.rows), version, shard, draws)
