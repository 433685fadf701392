"""Calibration as inference: a posterior over the calibrated parameters, not one point.

Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC; pyabc, Schaelte et al.
2022, J. Open Source Softw. 7:4304): parameter sets are drawn from the priors declared for the
scenario (its ``priors:`` file, e.g. ``analysis/priors.yaml``), each is run once on its own seed
to the end of the patterns' window, and kept when its distance to the field patterns is below a
tolerance that shrinks generation by generation. The distance is ``patterns.distance``: the sum
over patterns of how far the run is from the observed figure, in the pattern's tolerances.

Outputs in the folder ``DIR``: ``history.db`` (pyabc's sqlite history; a second call with the
same folder resumes it), ``posterior.parquet`` (every generation's draws, weights and
distances), ``diagnostics.csv`` (per generation: tolerance, runs, acceptance rate, effective
sample size), ``identifiability.csv`` (posterior spread / prior spread per parameter),
``predictive.parquet`` (the last generation's patterns), ``calibration.json`` (what was run) and
``report.html``.

Reproducibility: with one worker the sampler is pyabc's single-core sampler, seeded from
``seed`` generation by generation, so the same seed gives the same draws. With more workers
pyabc's multicore sampler decides which runs are kept by their finishing order, so a parallel
calibration is a valid sample but not the same one twice.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from analysis.patterns import Pattern, distance_terms, load_patterns, measure
from sim import atomic
from sim.scenario import Scenario, ScenarioError, scenario_with
from sim.scenario.safe_yaml import read_yaml

WINDOW_END = "2008-12"
"""Last month of the calibration runs: the last field pattern is dated 2008 (units founded and
the line split by 2008, analysis/patterns.yaml)."""

POSTERIOR_FILE = "posterior.parquet"
HISTORY_FILE = "history.db"
CI_LEVEL = 0.90
"""Credible intervals reported and tested: the central 90 % of the weighted posterior."""


# --------------------------------------------------------------------------- priors
class Prior(BaseModel):
    """One parameter's prior: a distribution between bounds, and why those bounds."""

    model_config = ConfigDict(extra="forbid")

    distribution: Literal["uniform", "loguniform"] = "uniform"
    low: float
    high: float
    basis: str = Field(min_length=8, description="'assumption - reasoning' or 'source - ref'")

    @field_validator("basis")
    @classmethod
    def _sourced(cls, v: str) -> str:
        if not v.startswith(("assumption", "source")):
            raise ValueError("must begin with 'assumption' (and say why) or 'source'")
        return v

    def model_post_init(self, _context: Any) -> None:
        if not self.high > self.low:
            raise ValueError("high must be above low")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError("a loguniform prior needs low > 0")

    def frozen(self) -> Any:
        """The prior as a frozen scipy.stats distribution."""
        from scipy import stats

        if self.distribution == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        return stats.loguniform(self.low, self.high)

    def rv(self) -> Any:
        """The prior as a pyabc random variable (the same scipy distribution)."""
        import pyabc

        if self.distribution == "uniform":
            return pyabc.RV("uniform", self.low, self.high - self.low)
        return pyabc.RV("loguniform", self.low, self.high)


class PriorFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    priors: dict[str, Prior]


def load_priors(path: str | Path, base: Scenario | None = None) -> dict[str, Prior]:
    """Read a prior file; with ``base``, check that every name is a parameter of the scenario
    and that both bounds are valid values of it. Bad input: ScenarioError, one line each."""
    path = Path(path)
    data = read_yaml(path)
    try:
        priors = PriorFile.model_validate(data).priors
    except ValidationError as exc:
        raise ScenarioError([(str(path), ".".join(map(str, e["loc"])), e["msg"])
                             for e in exc.errors()]) from None
    if not priors:
        raise ScenarioError([(str(path), "priors", "names no parameter")])
    if base is not None:
        problems = []
        for key, prior in priors.items():
            for bound in (prior.low, prior.high):
                try:
                    scenario_with(base, {key: bound})
                except ScenarioError as exc:
                    reason = exc.problems[0][2] if exc.problems else "invalid"
                    problems.append((str(path), f"priors.{key}", f"bound {bound:g}: {reason}"))
                    break
            if not _is_leaf(base, key):
                problems.append((str(path), f"priors.{key}", "not a parameter of the scenario"))
        if problems:
            raise ScenarioError(problems)
    return priors


def _is_leaf(base: Scenario, key: str) -> bool:
    cur: Any = base.model_dump(mode="json")
    for part in key.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return False
        cur = cur[part]
    return isinstance(cur, int | float) and not isinstance(cur, bool)


def priors_path(scenario_file: str | Path) -> Path:
    """The prior file a scenario names (``priors:``), resolved against the file of the
    ``extends`` chain that names it. ScenarioError when none does."""
    p = Path(scenario_file)
    seen: set[Path] = set()
    while p.resolve() not in seen:
        seen.add(p.resolve())
        data = read_yaml(p)
        if isinstance(data, dict) and isinstance(data.get("priors"), str):
            return p.parent / data["priors"]
        parent = data.get("extends") if isinstance(data, dict) else None
        if not isinstance(parent, str):
            break
        p = p.parent / parent
    raise ScenarioError([(str(scenario_file), "priors",
                          "the scenario names no prior file (priors: FILE) to calibrate")])


# --------------------------------------------------------------------------- the model
@dataclass
class PatternModel:
    """What pyabc simulates: one run of ``base`` with a draw's values, on a seed drawn from
    pyabc's (seeded) NumPy generator, to the patterns' summary (``measure_summary``)."""

    base: Scenario
    patterns: list[Pattern]
    on_run: Callable[[], None] | None = None
    """Called after each run in this process (the progress bar, with one worker)."""

    def __call__(self, pars: Any) -> dict[str, float]:
        from sim import run

        seed = int(np.random.randint(0, 2**31 - 1))
        scenario = scenario_with(self.base, {k: float(v) for k, v in dict(pars).items()})
        out = measure_summary(measure(run(scenario, seed=seed), self.patterns), self.patterns)
        if self.on_run is not None:
            self.on_run()
        return out


def measure_summary(measured: dict[str, Any], patterns: list[Pattern]) -> dict[str, float]:
    """A run's patterns as flat numbers: each pattern's value (a distribution pattern's median
    unit) and ``d:<id>``, its term of the distance."""
    out: dict[str, float] = {}
    terms = distance_terms(patterns, measured)
    for p in patterns:
        v = measured[p.id]
        arr = np.atleast_1d(np.asarray(v, dtype=float))
        arr = arr[np.isfinite(arr)]
        out[p.id] = float(np.median(arr)) if p.check == "in_distribution" and len(arr) else (
            float(v) if p.check != "in_distribution" else math.nan)
        out[f"d:{p.id}"] = terms[p.id]
    return out


def summary_distance(x: dict[str, float], _x0: dict[str, float] | None = None) -> float:
    """The pattern distance of a simulated summary (its terms were computed against the
    observed figures already; ``_x0``, pyabc's observed summary, is not needed again)."""
    return float(sum(v for k, v in x.items() if k.startswith("d:")))


def observed_summary(patterns: list[Pattern]) -> dict[str, float]:
    """The observed figures in the summary's layout (every distance term 0)."""
    out: dict[str, float] = {}
    for p in patterns:
        out[p.id] = float(p.observed)
        out[f"d:{p.id}"] = 0.0
    return out


# --------------------------------------------------------------------------- running
@dataclass
class Calibration:
    """What a calibration produced: the folder, the history, and its tables."""

    out: Path
    posterior: pd.DataFrame
    diagnostics: pd.DataFrame
    identifiability: pd.DataFrame
    seconds: float
    runs: int
    stopped: str | None = None
    """Why the calibration ended before its budget (a generation that failed), or None."""


COLLAPSED = "not normalized"
"""pyabc's message when a generation's importance weights do not normalise (an accepted draw
whose proposal density underflowed to 0: the population's weights had collapsed onto a few
draws, so the proposal's covariance is singular in some directions)."""


TRANSITIONS = ("marginal", "multivariate", "local")
"""How a generation proposes new draws from the last one's (``--transition``):

- ``marginal`` (the default): each parameter perturbed by its own one-dimensional kernel fitted
  to the last generation's values of that parameter (pyabc's ``AggregatedTransition`` of one
  ``MultivariateNormalTransition`` per parameter), so the proposal is the product of the
  marginals;
- ``multivariate``: one multivariate normal kernel over all parameters (pyabc's default);
- ``local``: a multivariate normal kernel per draw from its nearest neighbours (pyabc's
  ``LocalTransition``).

Why ``marginal``: with fifteen parameters, most of them barely constrained by the patterns,
the posterior is close to a box. A multivariate normal fitted to a box over-weights its
corners (in ten free dimensions a corner draw's importance weight is ~e^10 times a central
one's), so the effective sample size collapses in two or three generations and the weights
stop normalising. The Kerala calibration did exactly that with pyabc's default
(effective sample size 100, 16.5, 1.2 with 100 draws; 400, 22, 9 with 400). On a 15-parameter
test problem of that shape (``tests/test_inference.py``: five parameters pinned, two in a
product, eight free), the median effective sample size of generations 1-4 is 32 of 100 with
the marginal product and 6 with the joint normal."""


def make_transition(kind: str, names: list[str]) -> Any:
    """The pyabc transition of ``kind`` (one of ``TRANSITIONS``) over parameters ``names``."""
    import pyabc

    if kind == "marginal":
        return pyabc.AggregatedTransition(
            {n: pyabc.MultivariateNormalTransition() for n in names})
    if kind == "multivariate":
        return pyabc.MultivariateNormalTransition()
    if kind == "local":
        return pyabc.LocalTransition(k_fraction=0.25)
    raise ValueError(f"transition must be one of {', '.join(TRANSITIONS)}, not {kind!r}")


def _seed_for(seed: int, generation: int) -> int:
    return int(np.random.SeedSequence([seed, generation + 1]).generate_state(1)[0])


def calibrate(base: Scenario, priors: dict[str, Prior], patterns: list[Pattern], out: str | Path,
              budget: int = 2000, population: int = 100, workers: int = 1, seed: int = 0,
              max_generations: int = 40, progress: bool = False,
              transition: str = "marginal") -> Calibration:
    """Run (or resume) ABC-SMC of ``priors`` against ``patterns`` on ``base``, until ``budget``
    model runs have been made (a generation under way is finished, so the count may pass the
    budget by up to one generation) or ``max_generations``; write the folder's outputs.
    ``transition``: how new draws are proposed (``TRANSITIONS``)."""
    import pyabc

    if transition not in TRANSITIONS:
        raise ScenarioError([("--transition", "transition",
                              f"must be one of {', '.join(TRANSITIONS)}, not {transition!r}")])

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    db_file = out / HISTORY_FILE
    db = f"sqlite:///{db_file.resolve()}"
    manifest = {"scenario": base.name, "priors": {k: v.model_dump() for k, v in priors.items()},
                "patterns": [p.id for p in patterns], "population": population,
                "transition": transition, "seed": seed, "window_end": base.end,
                "method": "ABC-SMC (pyabc), distance: patterns.distance (sum of misses in "
                          "tolerances), tolerance: median of the previous generation's "
                          "distances (pyabc's default)"}
    man_file = out / "calibration.json"
    resume = db_file.exists()
    if resume:
        old = json.loads(man_file.read_text()) if man_file.exists() else {}
        changed = [k for k in ("scenario", "priors", "patterns", "population", "window_end",
                             "transition")
                   if old.get(k, "multivariate" if k == "transition" else None) != manifest[k]]
        if changed:
            raise ScenarioError([(str(out), HISTORY_FILE, "holds a calibration of another set-up "
                                  f"({', '.join(changed)} differ); use a new --out folder")])
    logging.getLogger("ABC").setLevel(logging.WARNING)
    prior = pyabc.Distribution(**{k: v.rv() for k, v in priors.items()})
    model = PatternModel(base, patterns)

    def make() -> Any:
        sampler = (pyabc.sampler.SingleCoreSampler() if workers <= 1
                   else pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers))
        return pyabc.ABCSMC(model, prior, summary_distance, population_size=population,
                            sampler=sampler,
                            transitions=make_transition(transition, list(priors)))

    t0 = time.perf_counter()
    history = None
    stopped: str | None = None
    if not resume:
        np.random.seed(_seed_for(seed, -1))
        abc = make()
        history = abc.new(db, observed_summary(patterns))
        atomic.write_json(manifest, man_file)
    else:
        history = pyabc.History(db)

    bar = _progress(progress, budget)
    if bar is not None and workers <= 1:
        model.on_run = bar.tick  # runs in this process: the bar moves run by run
    try:
        while True:
            done_runs = int(history.total_nr_simulations)
            gens = int(history.max_t) + 1
            if bar is not None:
                bar.update(done_runs, gens)
            if done_runs >= budget or gens >= max_generations:
                break
            np.random.seed(_seed_for(seed, gens))
            abc = make()
            abc.load(db, 1)
            try:
                history = abc.run(max_nr_populations=1)
            except AssertionError as exc:  # pyabc's weights check: keep the generations done
                if COLLAPSED not in str(exc):
                    raise
                stopped = (f"generation {gens} failed: its importance weights did not normalise "
                           "(the population's weights had collapsed onto a few draws); the "
                           f"posterior is generation {gens - 1}'s - raise --population")
                history = pyabc.History(db)
                break
    finally:
        if bar is not None:
            bar.stop()
    seconds = time.perf_counter() - t0
    result = write_outputs(history, priors, patterns, out, seconds)
    result.stopped = stopped
    return result


class _Bar:
    def __init__(self, budget: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.p = Progress("[progress.description]{task.description}", BarColumn(),
                          MofNCompleteColumn(), TimeElapsedColumn(), transient=False)
        self.task = self.p.add_task("calibration runs", total=budget)
        self.p.start()

    def tick(self) -> None:
        self.p.advance(self.task)

    def update(self, runs: int, gens: int) -> None:
        self.p.update(self.task, completed=min(runs, self.p.tasks[0].total or runs),
                      description=f"calibration runs (generation {gens})")

    def stop(self) -> None:
        self.p.stop()


def _progress(on: bool, budget: int) -> _Bar | None:
    return _Bar(budget) if on else None


# --------------------------------------------------------------------------- outputs
def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    x, w = x[order], w[order]
    c = np.cumsum(w) - 0.5 * w
    c /= w.sum()
    return float(np.interp(q, c, x))


def _weighted_sd(x: np.ndarray, w: np.ndarray) -> float:
    m = np.average(x, weights=w)
    return float(math.sqrt(np.average((x - m) ** 2, weights=w)))


def identifiability(posterior: pd.DataFrame, priors: dict[str, Prior]) -> pd.DataFrame:
    """Per parameter: prior and posterior (last generation) median and 90 % interval, and the
    ratio of posterior to prior standard deviation: near 1 the patterns do not constrain the
    parameter, well below 1 they do."""
    last = posterior[posterior["generation"] == posterior["generation"].max()]
    w = last["weight"].to_numpy(dtype=float)
    lo_q, hi_q = (1 - CI_LEVEL) / 2, 1 - (1 - CI_LEVEL) / 2
    rows = []
    for key, prior in priors.items():
        x = last[key].to_numpy(dtype=float)
        d = prior.frozen()
        rows.append({"parameter": key, "prior_low": prior.low, "prior_high": prior.high,
                     "posterior_median": _weighted_quantile(x, w, 0.5),
                     "ci_low": _weighted_quantile(x, w, lo_q),
                     "ci_high": _weighted_quantile(x, w, hi_q),
                     "prior_sd": float(d.std()), "posterior_sd": _weighted_sd(x, w),
                     "sd_ratio": _weighted_sd(x, w) / float(d.std())})
    return pd.DataFrame(rows)


def write_outputs(history: Any, priors: dict[str, Prior], patterns: list[Pattern], out: Path,
                  seconds: float) -> Calibration:
    """Write posterior.parquet, diagnostics.csv, identifiability.csv, predictive.parquet and
    report.html from a pyabc history."""
    from pyabc.weighted_statistics import effective_sample_size

    frames = []
    ess: dict[int, float] = {}
    for t in range(int(history.max_t) + 1):
        df, w = history.get_distribution(m=0, t=t)
        dist = history.get_weighted_distances(t=t)
        df = df.reset_index(drop=True)
        frame = pd.DataFrame({"generation": t, "weight": np.asarray(w, dtype=float),
                              "distance": dist["distance"].to_numpy(dtype=float)})
        frames.append(pd.concat([frame, df[list(priors)]], axis=1))
        ess[t] = float(effective_sample_size(np.asarray(w, dtype=float)))
    posterior = pd.concat(frames, ignore_index=True)
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    diagnostics = pd.DataFrame({
        "generation": pops["t"].astype(int).to_numpy(),
        "tolerance": pops["epsilon"].to_numpy(dtype=float),
        "runs": pops["samples"].astype(int).to_numpy(),
        "accepted": pops["particles"].astype(int).to_numpy(),
    })
    diagnostics["acceptance_rate"] = diagnostics["accepted"] / diagnostics["runs"]
    diagnostics["effective_sample_size"] = diagnostics["generation"].map(ess)
    weights, stats = history.get_weighted_sum_stats(t=int(history.max_t))
    predictive = pd.DataFrame(stats)
    predictive.insert(0, "weight", np.asarray(weights, dtype=float))
    ident = identifiability(posterior, priors)
    # each file replaced whole (an interrupted call leaves the previous one, never half)
    atomic.write_file(out / POSTERIOR_FILE, lambda f: posterior.to_parquet(f, index=False))
    atomic.write_file(out / "diagnostics.csv", lambda f: diagnostics.to_csv(f, index=False))
    atomic.write_file(out / "identifiability.csv", lambda f: ident.to_csv(f, index=False))
    atomic.write_file(out / "predictive.parquet", lambda f: predictive.to_parquet(f, index=False))
    runs = int(history.total_nr_simulations)
    from analysis.inference_report import write_report

    write_report(out / "report.html", posterior, priors, predictive, patterns, diagnostics, ident,
                 runs, seconds)
    return Calibration(out, posterior, diagnostics, ident, seconds, runs)


def calibration_base(scenario: Scenario, window_end: str = WINDOW_END) -> Scenario:
    """The scenario cut at the end of the patterns' window (runs are short)."""
    return scenario_with(scenario, {"end": window_end})


def default_patterns() -> list[Pattern]:
    """The field patterns of analysis/patterns.yaml."""
    return load_patterns()
