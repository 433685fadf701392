"""Design points of a sweep (grid, Latin hypercube, Sobol', Morris), deterministic per spec."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.sweep.spec import BASELINE, DUMMY, FACTOR, LEVEL, ParameterSpec, SweepSpec


@dataclass
class Design:
    """Design points: parameter values (one dict per point) and unit-cube coordinates."""

    names: list[str]  # parameters, with the dummy last when present
    points: list[dict[str, Any]]
    unit: np.ndarray | None  # (points, names) in [0, 1]; None for a grid
    problem: dict[str, Any] | None  # the SALib problem (unit bounds) for sobol/morris

    def __len__(self) -> int:
        return len(self.points)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def _grid_values(p: ParameterSpec) -> list[Any]:
    if p.values is not None:
        return [_plain(v) for v in p.values]
    lo, hi = p.range  # type: ignore[misc]
    vals = np.linspace(lo, hi, p.steps)  # type: ignore[arg-type]
    if p.integer:
        return list(dict.fromkeys(int(round(v)) for v in vals))
    return [float(v) for v in vals]


def _from_unit(p: ParameterSpec, u: float) -> Any:
    if p.values is not None:
        n = len(p.values)
        return _plain(p.values[min(int(u * n), n - 1)])
    lo, hi = p.range  # type: ignore[misc]
    if p.integer:
        a, b = math.ceil(lo), math.floor(hi)
        return int(min(a + math.floor(u * (b - a + 1)), b))
    return float(lo + u * (hi - lo))


def design_seed(root: int) -> int:
    """Seed of the design's sampler, derived from the root (distinct from the runs' seeds)."""
    return int(np.random.SeedSequence([root, 0xD5]).generate_state(1)[0])


def oat_baseline(spec: SweepSpec) -> dict[str, Any]:
    """The baseline point of a one-factor-at-a-time design: every parameter at its first level."""
    return {name: _grid_values(p)[0] for name, p in spec.parameters.items()}


def _level_text(v: Any) -> str:
    """A level as people read it: 12, 0.2, 1,000,000 (not 1000000.0), none, true."""
    if v is None:
        return "none"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10_000:
        return f"{v:,}"
    return str(v)


def oat_design(spec: SweepSpec) -> Design:
    """One factor at a time: the baseline point (each parameter at its first level), then each
    parameter moved alone to each of its other levels, then each case applied alone to the
    baseline. Each point names the factor moved and its level (``factor``, ``level``)."""
    names = list(spec.parameters)
    base = oat_baseline(spec)
    points = [{**base, FACTOR: BASELINE, LEVEL: BASELINE}]
    for name, p in spec.parameters.items():
        for v in _grid_values(p)[1:]:
            points.append({**base, name: v, FACTOR: name, LEVEL: _level_text(v)})
    for name in spec.cases:
        points.append({**base, FACTOR: name, LEVEL: "on"})
    return Design([*names, FACTOR, LEVEL], points, None, None)


def make_design(spec: SweepSpec, rows: list[dict[str, Any]] | None = None) -> Design:
    """Design points of a sweep (deterministic given the spec); a table design's points are
    ``rows``, the rows of its points file in their order (``analysis.sweep.spec.read_points``)."""
    names = list(spec.parameters)
    params = spec.parameters
    if spec.design == "table":
        if rows is None:
            raise ValueError("a table design needs its rows (load the sweep with load_sweep)")
        return Design(list(rows[0]), [dict(r) for r in rows], None, None)
    if spec.design == "oat":
        return oat_design(spec)
    if spec.design == "grid":
        axes = [_grid_values(params[n]) for n in names]
        points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]
        return Design(names, points, None, None)
    dummy = spec.dummy and spec.design in ("sobol", "morris")
    all_names = [*names, DUMMY] if dummy else names
    n, seed = spec.samples, design_seed(spec.seed)
    assert n is not None
    problem = {"num_vars": len(all_names), "names": all_names,
               "bounds": [[0.0, 1.0]] * len(all_names)}
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(n)
        problem = None
    elif spec.design == "sobol":
        from SALib.sample import sobol as sobol_sample

        o = spec.sobol
        unit = sobol_sample.sample(problem, n, calc_second_order=o.calc_second_order,
                                   scramble=o.scramble, skip_values=o.skip_values, seed=seed)
    else:
        from SALib.sample import morris as morris_sample

        o = spec.morris
        unit = morris_sample.sample(problem, n, num_levels=o.num_levels,
                                    optimal_trajectories=o.optimal_trajectories,
                                    local_optimization=o.local_optimization, seed=seed)
    unit = np.clip(np.asarray(unit, dtype=float), 0.0, 1.0)
    points = []
    for row in unit:
        pt = {name: _from_unit(params[name], float(u)) for name, u in zip(names, row, strict=False)}
        if dummy:
            pt[DUMMY] = float(row[-1])
        points.append(pt)
    return Design(all_names, points, unit, problem)
