"""Calibration as inference (sosim calibrate, analysis/inference.py) and runs on posterior draws
(--posterior, analysis/runmany.posterior_draws)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.calibrate import SPACE
from analysis.patterns import Pattern, distance, distance_terms, measure, run_replications
from analysis.runmany import posterior_draws, replication_seeds, with_posterior
from sim import load_scenario, run
from sim.scenario import ScenarioError, scenario_with

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "kerala_baseline.yaml"

pytest.importorskip("pyabc")
from analysis.inference import (  # noqa: E402
    Prior,
    calibrate,
    load_priors,
    make_transition,
    priors_path,
)


def _pattern(pid: str, metric: str, year: int, observed: float, tol: float,
             check: str = "mean_within") -> Pattern:
    return Pattern(id=pid, level="member", measures=pid, metric=metric, args={"year": year},
                   observed=observed, tolerance=tol, check=check, source="the model itself")


def test_the_baseline_declares_a_prior_for_every_calibrated_parameter():
    base = load_scenario(BASELINE)
    priors = load_priors(priors_path(BASELINE), base)
    assert set(priors) == set(SPACE)
    for key, prior in priors.items():
        assert (prior.low, prior.high) == SPACE[key]
        assert prior.basis.startswith(("assumption", "source"))
        assert prior.low <= float(_get(base, key)) <= prior.high  # the point estimate is inside


def _get(scenario, key):
    cur = scenario.model_dump(mode="json")
    for part in key.split("."):
        cur = cur[part]
    return cur


def test_a_prior_naming_no_parameter_is_one_line_of_bad_input(tmp_path):
    f = tmp_path / "priors.yaml"
    f.write_text("priors:\n  finance.no_such_key:\n    low: 0\n    high: 1\n"
                 "    basis: assumption - a test\n")
    with pytest.raises(ScenarioError) as exc:
        load_priors(f, load_scenario(BASELINE))
    assert any("finance.no_such_key" in p[1] for p in exc.value.problems)
    f.write_text("priors:\n  finance.payout_share:\n    low: 0.2\n    high: 0.9\n"
                 "    basis: because we like it\n")
    with pytest.raises(ScenarioError, match="assumption"):
        load_priors(f)


def test_distance_is_each_miss_in_its_tolerance():
    pats = [_pattern("a", "member_earnings", 2005, 45, 9),
            _pattern("b", "share_marketing", 2005, 0.5, 0.1, "at_least")]
    assert distance_terms(pats, {"a": 54.0, "b": 0.45}) == pytest.approx({"a": 1.0, "b": 0.0})
    assert distance(pats, {"a": 36.0, "b": 0.2}) == pytest.approx(1.0 + 2.0)


# --------------------------------------------------------------------------- recovery
TRUTH = {"workforce.other_income_usd": 50.0, "marketing.adopt_prob_when_idle": 0.18,
         "finance.payout_share": 0.65}
PRIORS = {"workforce.other_income_usd": (30.0, 70.0),
          "marketing.adopt_prob_when_idle": (0.05, 0.3),
          "finance.payout_share": (0.4, 0.9)}


@pytest.mark.slow  # ~60 s of CPU: 240 runs of 5 model years and pyabc's generations
@pytest.mark.timeout(600)
def test_calibration_recovers_known_parameters_from_the_models_own_output(tmp_path):
    """Observations simulated at known values on a short window (1999-2003): the calibration's
    90 % credible intervals hold every known value, and the best-identified parameter's
    posterior is clearly narrower than its prior."""
    base = scenario_with(load_scenario(BASELINE), {"end": "2003-12"})
    truth = scenario_with(base, TRUTH)
    shapes = [_pattern("income_share", "household_income_share", 2003, 0, 0.03),
              _pattern("marketing", "share_marketing", 2003, 0, 0.05),
              _pattern("earnings", "member_earnings", 2003, 0, 3.0)]
    seen = [measure(run(truth, seed=s), shapes) for s in replication_seeds(777, 3)]
    pats = [p.model_copy(update={"observed": float(np.mean([m[p.id] for m in seen]))})
            for p in shapes]
    priors = {k: Prior(low=lo, high=hi, basis="assumption - test prior")
              for k, (lo, hi) in PRIORS.items()}
    result = calibrate(base, priors, pats, tmp_path / "post", budget=240, population=40,
                       workers=1, seed=5)
    ident = result.identifiability.set_index("parameter")
    for key, value in TRUTH.items():
        assert ident.loc[key, "ci_low"] <= value <= ident.loc[key, "ci_high"], key
    assert ident["sd_ratio"].min() < 0.6
    assert (tmp_path / "post" / "report.html").stat().st_size > 10_000
    post = pd.read_parquet(tmp_path / "post" / "posterior.parquet")
    assert {"generation", "weight", "distance", *TRUTH} <= set(post.columns)
    assert post["generation"].nunique() == len(result.diagnostics) >= 2
    assert result.diagnostics["tolerance"].is_monotonic_decreasing


# --------------------------------------------------------------------------- posterior draws
def _posterior(folder: Path, values: list[float], weights: list[float]) -> Path:
    folder.mkdir()
    first = pd.DataFrame({"generation": 0, "weight": 0.5, "distance": 9.0,
                          "workforce.other_income_usd": [99.0, 99.0]})
    last = pd.DataFrame({"generation": 1, "weight": weights, "distance": 1.0,
                         "workforce.other_income_usd": values})
    pd.concat([first, last]).to_parquet(folder / "posterior.parquet")
    return folder


def test_posterior_draws_are_the_last_generation_resampled_by_weight_with_a_fixed_seed(tmp_path):
    post = _posterior(tmp_path / "p", [31.0, 52.0, 69.0], [0.5, 0.0, 0.5])
    draws = posterior_draws(post, 40, root=3)
    values = {d["workforce.other_income_usd"] for d in draws}
    assert values == {31.0, 69.0}  # weight 0 never drawn, the first generation never
    assert posterior_draws(post, 40, root=3) == draws
    assert posterior_draws(post, 40, root=4) != draws


def test_replication_k_runs_with_posterior_draw_k_on_the_paired_seed(tmp_path):
    post = _posterior(tmp_path / "p", [31.0, 69.0], [0.5, 0.5])
    base = scenario_with(load_scenario(BASELINE), {"end": "2001-12"})
    pats = [_pattern("income_share", "household_income_share", 2001, 0.4, 0.05)]
    draws = posterior_draws(post, 3, root=11)
    got = run_replications(base, pats, reps=99, root_seed=11, workers=1, draws=draws)
    assert len(got) == 3
    seeds = replication_seeds(11, 3)
    for k, d in enumerate(draws):
        expected = measure(run(scenario_with(base, d), seed=seeds[k]), pats)
        assert got[k] == expected
    plain = run_replications(base, pats, reps=3, root_seed=11, workers=1)
    assert plain != got
    assert with_posterior(base, None) == [base]


def test_a_sweep_on_a_posterior_runs_replication_k_on_draw_k_under_the_points_values(tmp_path):
    from analysis.sweep import load_sweep, make_plan

    post = _posterior(tmp_path / "p", [31.0, 69.0], [0.5, 0.5])
    sw = load_sweep(ROOT / "scenarios" / "sweeps" / "smoke.yaml")
    draws = posterior_draws(post, 4, root=sw.spec.seed)
    plan = make_plan(sw, "test", draws=draws)
    plain = make_plan(sw, "test")
    jobs = list(plan.jobs())
    assert plan.replications == 4 and len(jobs) == 4 * len(plan.design)
    for job in jobs:
        assert job.base.workforce.other_income_usd == draws[job.replication][
            "workforce.other_income_usd"]
        assert job.seed == plan.seeds[job.replication]  # paired across points
    assert plan.seeds[:3] == plain.seeds  # the same seeds as without a posterior
    assert not {j.key for j in jobs} & plain.keys()
    assert plan.spec_hash() != plain.spec_hash()  # a resume cannot mix the two


# --------------------------------------------------------------------------- the command
def _tiny(tmp_path: Path, folder: str, seed: int, budget: int = 12):
    base = scenario_with(load_scenario(BASELINE), {"end": "2001-12"})
    pats = [_pattern("income_share", "household_income_share", 2001, 0.42, 0.03)]
    priors = {"workforce.other_income_usd": Prior(low=30, high=70, basis="assumption - test")}
    return calibrate(base, priors, pats, tmp_path / folder, budget=budget, population=4,
                     workers=1, seed=seed)


def test_one_worker_calibration_is_reproducible_from_its_seed_and_resumes(tmp_path):
    a = _tiny(tmp_path, "a", seed=2)
    b = _tiny(tmp_path, "b", seed=2)
    pd.testing.assert_frame_equal(a.posterior, b.posterior)
    more = _tiny(tmp_path, "a", seed=2, budget=a.runs + 8)  # the same folder: resumed
    assert len(more.diagnostics) > len(a.diagnostics)
    first = more.posterior[more.posterior["generation"] == 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, a.posterior[a.posterior["generation"] == 0]
                                  .reset_index(drop=True))


def test_a_folder_of_another_calibration_is_refused(tmp_path):
    _tiny(tmp_path, "a", seed=2, budget=4)
    base = scenario_with(load_scenario(BASELINE), {"end": "2001-12"})
    pats = [_pattern("income_share", "household_income_share", 2001, 0.42, 0.03)]
    priors = {"workforce.other_income_usd": Prior(low=20, high=70, basis="assumption - test")}
    with pytest.raises(ScenarioError, match="another set-up"):
        calibrate(base, priors, pats, tmp_path / "a", budget=8, population=4)


def test_calibrate_a_scenario_naming_no_priors_exits_2_before_writing(tmp_path):
    from typer.testing import CliRunner

    from sosim.cli import app

    f = tmp_path / "bare.yaml"
    f.write_text("name: bare\nend: 2002-12\n")
    res = CliRunner().invoke(app, ["calibrate", str(f), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "names no prior file" in res.output
    assert not (tmp_path / "out").exists()


def test_posterior_options_on_the_command_line_are_bad_input_without_a_posterior(tmp_path):
    from typer.testing import CliRunner

    from sosim.cli import app

    res = CliRunner().invoke(app, ["patterns", str(BASELINE), "--draws", "3"])
    assert res.exit_code == 2 and "needs --posterior" in res.output
    res = CliRunner().invoke(app, ["run", str(BASELINE), "--posterior", str(tmp_path)])
    assert res.exit_code == 2 and "posterior.parquet" in res.output


def test_a_posterior_sweeps_report_says_its_bands_hold_parameter_uncertainty(tmp_path):
    from analysis.report import build_report
    from analysis.sweep import load_sweep, run_sweep

    post = _posterior(tmp_path / "p", [31.0, 69.0], [0.5, 0.5])
    sw = load_sweep(ROOT / "scenarios" / "sweeps" / "smoke.yaml")
    for name, draws in (("plain", None), ("post", posterior_draws(post, 2, sw.spec.seed))):
        run_sweep(sw, tmp_path / name, draws=draws)
        path, _ = build_report(tmp_path / name)
        text = path.read_text()
        assert ("parameter and stochastic" in text) == (draws is not None)
        assert ("stochastic only" in text) == (draws is None)


def test_a_comparison_on_a_posterior_runs_replication_k_of_every_scenario_on_draw_k(tmp_path):
    """`sosim compare --posterior DIR --draws K`: replication k of each scenario takes draw k
    and seed k, so the pairs share parameters and seeds; the runs' keys differ from a plain
    comparison's, so a resume cannot mix the two; the report says its bands hold parameter
    uncertainty."""
    import json

    from typer.testing import CliRunner

    from analysis.compare import comparison_plan
    from sosim.cli import app

    post = _posterior(tmp_path / "p", [31.0, 69.0], [0.5, 0.5])
    draws = posterior_draws(post, 3, root=0)
    files = [ROOT / "scenarios" / "kerala_baseline.yaml", ROOT / "scenarios" / "no_spem.yaml"]
    scenarios = [load_scenario(f) for f in files]
    plan = comparison_plan(scenarios, [str(f) for f in files], [], 3, 0, tmp_path / "c",
                           draws=draws)
    plain = comparison_plan(scenarios, [str(f) for f in files], [], 3, 0, tmp_path / "c")
    jobs = list(plan.jobs())
    assert len(jobs) == 6
    for job in jobs:
        assert job.scenario.workforce.other_income_usd == draws[job.replication][
            "workforce.other_income_usd"]
        assert job.seed == plan.seeds[job.replication]  # paired across the scenarios
    assert plan.seeds == plain.seeds
    assert not {j.key for j in jobs} & {j.key for j in plain.jobs()}

    out = tmp_path / "cmp"
    res = CliRunner().invoke(app, [
        "compare", *map(str, files), "--out", str(out), "--posterior", str(post),
        "--draws", "2", "--set", "end=2001-12", "--workers", "1"])
    assert res.exit_code == 0, res.output
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["posterior_draws"] == posterior_draws(post, 2, root=0)
    assert "parameter and stochastic" in (out / "report.html").read_text()
    res = CliRunner().invoke(app, ["compare", *map(str, files), "--out", str(tmp_path / "a"),
                                   "--posterior", str(post), "--reps", "auto"])
    assert res.exit_code == 2 and "--posterior" in res.output
    res = CliRunner().invoke(app, ["compare", *map(str, files), "--out", str(tmp_path / "b"),
                                   "--draws", "2", "--reps", "auto"])
    assert res.exit_code == 2 and "--draws" in res.output  # was silently ignored


def test_a_posterior_sweeps_dry_run_counts_one_replication_per_draw(tmp_path):
    from typer.testing import CliRunner

    from sosim.cli import app

    post = _posterior(tmp_path / "p", [31.0, 69.0], [0.5, 0.5])
    sweep = tmp_path / "tiny.yaml"
    sweep.write_text(f"name: tiny\nbase: {BASELINE}\nset: {{end: 2000-06}}\ndesign: grid\n"
                     "replications: 3\nseed: 1\n"
                     "parameters:\n  payments.public_mean_delay_months: {values: [2, 9]}\n")
    res = CliRunner().invoke(app, ["sweep", str(sweep), "--dry-run", "--posterior", str(post),
                                   "--draws", "5"])
    assert res.exit_code == 0, res.output
    assert "10 runs" in res.output and "x 5 replications" in res.output  # not the file's 3


def test_a_generation_whose_weights_do_not_normalise_keeps_the_generations_done(tmp_path,
                                                                               monkeypatch):
    """pyabc stops a generation whose importance weights are not finite (a Kerala calibration
    of 15 parameters hit it at generation 5: an accepted draw's proposal density underflowed
    to 0). The calibration then ends with the posterior of the last generation done, says why,
    and writes every output, instead of a traceback that loses the report."""
    import pyabc

    first = _tiny(tmp_path, "a", seed=2)
    done = len(first.diagnostics)

    def collapse(self, *args, **kwargs):
        raise AssertionError("The population total weight nan is not normalized.")

    monkeypatch.setattr(pyabc.ABCSMC, "run", collapse)
    more = _tiny(tmp_path, "a", seed=2, budget=first.runs + 8)
    assert more.stopped and f"generation {done} failed" in more.stopped
    assert len(more.diagnostics) == done
    pd.testing.assert_frame_equal(more.posterior, first.posterior)
    assert (tmp_path / "a" / "report.html").is_file()


# --------------------------------------------------------------------------- the proposal
def _box_problem_ess(kind: str, generations: int = 5) -> list[float]:
    """Effective sample size per generation of ABC-SMC on a 15-parameter problem shaped like
    the Kerala calibration: five parameters pinned by their own noisy summary, one product of
    two, and eight that no summary sees (their posterior is the prior's box)."""
    import logging

    import pyabc

    logging.getLogger("ABC").setLevel(logging.ERROR)
    names = [f"p{i}" for i in range(15)]

    def model(p: dict) -> dict:
        s = {f"s{i}": p[f"p{i}"] + np.random.normal(0, 0.05) for i in range(5)}
        s["s5"] = p["p5"] * p["p6"] + np.random.normal(0, 0.05)
        return s

    observed = {**{f"s{i}": 0.3 + 0.1 * i for i in range(5)}, "s5": 0.2}
    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", 0, 1) for n in names})
    np.random.seed(1)
    abc = pyabc.ABCSMC(model, prior, lambda a, b: sum(abs(a[k] - b[k]) / 0.1 for k in b),
                       population_size=100, transitions=make_transition(kind, names),
                       sampler=pyabc.sampler.SingleCoreSampler())
    abc.new("sqlite://", observed)
    try:
        history = abc.run(max_nr_populations=generations)
    except AssertionError:  # the weights no longer normalise: the collapse's last stage
        return [0.0]
    weights = [history.get_distribution(t=t)[1] for t in range(history.max_t + 1)]
    return [float(1 / np.sum(w ** 2)) for w in weights]


@pytest.mark.slow  # ~20 s: two small ABC-SMC runs of pyabc on a toy model
@pytest.mark.timeout(600)
def test_the_marginal_proposal_keeps_the_effective_sample_where_a_joint_normal_collapses():
    """Why ``marginal`` is the default transition: on a box-shaped posterior in fifteen
    dimensions the joint normal kernel's importance weights pile onto a few corner draws,
    while a kernel per parameter keeps a usable sample generation after generation."""
    marginal = _box_problem_ess("marginal")
    joint = _box_problem_ess("multivariate")
    # generation 0 is drawn from the prior (effective size 100); the proposals come after it
    assert len(marginal) == 5 and np.median(marginal[1:]) >= 25, marginal
    assert np.median(joint[1:]) < 10, joint
