"""Survival of units and tenure of members, on well-kept estimators.

- Kaplan-Meier curves with log-log ("exponential Greenwood") confidence bands: ``scipy.stats.ecdf``
  on right-censored ``scipy.stats.CensoredData`` (Kaplan & Meier 1958; Sawyer's Greenwood notes).
- Log-rank tests: ``scipy.stats.logrank`` (Mantel 1966).
- Competing closure causes (insolvency, loss of members, idleness, not viable): the
  Aalen-Johansen cumulative incidence of ``statsmodels.duration.survfunc.CumIncidenceRight``.
- Hazard ratios of closure: Cox regression, ``statsmodels.duration.hazard_regression.PHReg``, in
  counting-process form so that mission support can change during a unit's life.

- Run-aware versions for comparisons (units of one run share a market, runs of one seed share
  random numbers): the log-rank test stratified by replication (``statsmodels``' ``survdiff``
  with ``strata``), Cox regression with cluster-robust errors (``PHReg.fit(groups=...)``) and a
  proportional-hazards check on its Schoenfeld residuals (``clustered_cox``, ``ph_check``).

Time is measured in years since founding (units) or joining (members), from the monthly dates of
a run; a unit still open at the end of the run is right-censored at the end of its last month.
Kaplan-Meier curves pool the replications of a scenario: each unit of each run is one
observation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

CLOSURE_CAUSES: tuple[str, ...] = ("insolvency", "loss_of_members", "idleness", "not_viable")
"""Closure reasons recorded by ``sim.mechanisms.closure``, as competing causes 1, 2, 3, 4
(not_viable: members walked away from a unit that paid next to nothing for long)."""

LEAVE_CAUSES: tuple[str, ...] = ("marriage", "other_job", "migration", "unit_closed")
"""Reasons members leave (``sim.mechanisms.workforce``), as competing causes 1..4."""

CONFIDENCE = 0.95


# ----------------------------------------------------------------------------- durations


def _months_between(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Whole months from ``a`` to ``b`` (first-of-month dates)."""
    return ((b.dt.year - a.dt.year) * 12 + (b.dt.month - a.dt.month)).to_numpy(dtype=float)


def durations(
    table: pd.DataFrame,
    start: str,
    stop: str,
    end: pd.Timestamp | pd.Series,
    reason: str | None = None,
    causes: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Time (years) from ``start`` to ``stop`` or to the end of observation, and whether it ended.

    ``end`` is the last simulated month (one date, or one per row when runs differ); an open
    spell is censored at the end of that month. Returns the input's columns plus ``years``,
    ``event`` (bool) and, with ``reason``, ``cause`` (1.. in the order of ``causes``, 0 if
    censored or of an unlisted reason).
    """
    out = table.copy()
    begun = out[start]
    stopped = out[stop]
    if isinstance(end, pd.Series):
        end_next = end + pd.DateOffset(months=1)
    else:
        end_next = pd.Series(pd.Timestamp(end) + pd.DateOffset(months=1), index=out.index)
    event = stopped.notna().to_numpy()
    last = stopped.where(stopped.notna(), end_next.astype(stopped.dtype))
    months = _months_between(begun, last)
    out["years"] = months / 12.0
    out["event"] = event
    if reason is not None:
        codes = {name: k + 1 for k, name in enumerate(causes)}
        cause = out[reason].astype("object").map(codes).fillna(0).astype(int).to_numpy()
        out["cause"] = np.where(event, cause, 0)
    return out


def unit_durations(enterprises: pd.DataFrame, end: pd.Timestamp | pd.Series) -> pd.DataFrame:
    """Units' time from founding to closure (event) or to the end of the run (censored)."""
    return durations(
        enterprises, "founded", "closed", end, reason="closure_reason", causes=CLOSURE_CAUSES
    )


def member_durations(members: pd.DataFrame, end: pd.Timestamp | pd.Series) -> pd.DataFrame:
    """Members' tenure from joining to leaving (event, any reason) or to the end of the run."""
    return durations(members, "joined", "left", end, reason="leave_reason", causes=LEAVE_CAUSES)


# ----------------------------------------------------------------------------- Kaplan-Meier


def _censored(years: np.ndarray, event: np.ndarray) -> stats.CensoredData:
    years = np.asarray(years, dtype=float)
    event = np.asarray(event, dtype=bool)
    return stats.CensoredData.right_censored(years, ~event)


@dataclass
class KaplanMeier:
    """A Kaplan-Meier estimate with its pointwise log-log confidence band."""

    n: int
    events: int
    curve: pd.DataFrame  # years, survival, low, high (from 0, one row per distinct time)
    confidence: float = CONFIDENCE

    def at(self, years: float) -> tuple[float, float, float]:
        """Survival and its interval ``years`` after the start (NaN beyond the last time)."""
        c = self.curve
        if c.empty or years > c["years"].iloc[-1]:
            return (np.nan, np.nan, np.nan)
        row = c[c["years"] <= years].iloc[-1]
        return (float(row["survival"]), float(row["low"]), float(row["high"]))

    def quantile_time(self, p: float = 0.5) -> tuple[float, float, float]:
        """Time at which survival first falls to ``p`` or below (the median for 0.5), with the
        interval read off the band (Brookmeyer-Crowley style); NaN where never reached."""
        c = self.curve

        def first(col: str) -> float:
            hit = c.loc[c[col] <= p, "years"]
            return float(hit.iloc[0]) if len(hit) else np.nan

        return (first("survival"), first("low"), first("high"))


def kaplan_meier(
    years: np.ndarray | pd.Series, event: np.ndarray | pd.Series, confidence: float = CONFIDENCE
) -> KaplanMeier:
    """Kaplan-Meier survival with a log-log band, by ``scipy.stats.ecdf``."""
    years = np.asarray(years, dtype=float)
    event = np.asarray(event, dtype=bool)
    n, d = len(years), int(event.sum())
    if n == 0:
        empty = pd.DataFrame({"years": [], "survival": [], "low": [], "high": []})
        return KaplanMeier(0, 0, empty, confidence)
    sf = stats.ecdf(_censored(years, event)).sf
    t = np.asarray(sf.quantiles, dtype=float)
    s = np.asarray(sf.probabilities, dtype=float)
    if d == 0:  # no event: survival stays at 1 and the band is degenerate
        low = high = np.ones_like(s)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN where S is 1 or 0 (by design)
            ci = sf.confidence_interval(confidence, method="log-log")
        low = np.asarray(ci.low.probabilities, dtype=float)
        high = np.asarray(ci.high.probabilities, dtype=float)
        # The log-log band is undefined where S = 1 (no event yet) or S = 0 (all failed).
        low = np.where(np.isnan(low) & (s >= 1), 1.0, low)
        high = np.where(np.isnan(high) & (s >= 1), 1.0, high)
        low = np.where(np.isnan(low) & (s <= 0), 0.0, low)
        high = np.where(np.isnan(high) & (s <= 0), 0.0, high)
    curve = pd.DataFrame({"years": t, "survival": s, "low": low, "high": high})
    if not len(t) or t[0] > 0:
        start = pd.DataFrame({"years": [0.0], "survival": [1.0], "low": [1.0], "high": [1.0]})
        curve = pd.concat([start, curve], ignore_index=True)
    # Extend to the longest observation so that a curve ends where follow-up ends.
    if years.max() > curve["years"].iloc[-1]:
        tail = curve.iloc[[-1]].copy()
        tail["years"] = years.max()
        curve = pd.concat([curve, tail], ignore_index=True)
    return KaplanMeier(n, d, curve, confidence)


def km_curves(df: pd.DataFrame, by: list[str], confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Kaplan-Meier curves of ``df`` (with ``years`` and ``event``) for each group of ``by``:
    a long table ``by…, years, survival, low, high``."""
    frames = []
    for key, g in df.groupby(by, sort=True, observed=True):
        km = kaplan_meier(g["years"], g["event"], confidence)
        c = km.curve.copy()
        for col, val in zip(by, key if isinstance(key, tuple) else (key,), strict=True):
            c.insert(0, col, val)
        frames.append(c)
    if not frames:
        return pd.DataFrame(columns=[*by, "years", "survival", "low", "high"])
    return pd.concat(frames, ignore_index=True)


def survival_table(
    df: pd.DataFrame,
    by: list[str],
    horizons: tuple[int, ...] = (5, 10),
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per group: units (or members), events, median time and survival at each horizon, each
    with its interval (NaN when not reached or not observed that long)."""
    rows: list[dict[str, Any]] = []
    for key, g in df.groupby(by, sort=True, observed=True):
        km = kaplan_meier(g["years"], g["event"], confidence)
        row: dict[str, Any] = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        med, mlo, mhi = km.quantile_time(0.5)
        row.update(n=km.n, events=km.events, median=med, median_low=mlo, median_high=mhi)
        for h in horizons:
            s, lo, hi = km.at(h)
            row.update({f"s{h}": s, f"s{h}_low": lo, f"s{h}_high": hi})
        rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- log-rank


def logrank(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, float]:
    """Two-sided log-rank test between two samples with ``years`` and ``event``:
    (chi-square statistic, p-value). NaN when either sample is empty or there is no event."""
    if a.empty or b.empty or not (a["event"].any() or b["event"].any()):
        return (np.nan, np.nan)
    res = stats.logrank(
        _censored(a["years"].to_numpy(), a["event"].to_numpy()),
        _censored(b["years"].to_numpy(), b["event"].to_numpy()),
    )
    # scipy reports the standardised statistic Z; its square is the usual chi-square (1 df).
    return (float(res.statistic) ** 2, float(res.pvalue))


def pairwise_logrank(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Log-rank tests between every pair of groups of column ``by``."""
    groups = [g for g in pd.unique(df[by].dropna())]
    rows = []
    for i, ga in enumerate(groups):
        for gb in groups[i + 1 :]:
            chi2, p = logrank(df[df[by] == ga], df[df[by] == gb])
            rows.append({"a": ga, "b": gb, "chi2": chi2, "p_value": p})
    return pd.DataFrame(rows, columns=["a", "b", "chi2", "p_value"])


# ----------------------------------------------------------------------------- competing causes


def cumulative_incidence(
    df: pd.DataFrame, causes: tuple[str, ...] = CLOSURE_CAUSES, confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of each competing cause (``df`` has ``years`` and
    ``cause``): a long table ``cause, years, incidence, low, high`` (normal band, clipped)."""
    from statsmodels.duration.survfunc import CumIncidenceRight

    cols = ["cause", "years", "incidence", "low", "high"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    status = df["cause"].to_numpy(dtype=int)
    years = df["years"].to_numpy(dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    if status.max() == 0:
        times = np.array([0.0, years.max()])
        frames = [
            pd.DataFrame({"cause": c, "years": times, "incidence": 0.0, "low": 0.0, "high": 0.0})
            for c in causes
        ]
        return pd.concat(frames, ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ci = CumIncidenceRight(years, status)
    frames = []
    for k, name in enumerate(causes):
        if k < len(ci.cinc):
            inc = np.asarray(ci.cinc[k], dtype=float)
            # the variance is undefined where everyone left at risk fails: carry it forward
            se = pd.Series(np.asarray(ci.cinc_se[k], dtype=float)).ffill().fillna(0).to_numpy()
        else:  # a cause beyond the largest observed code never happened
            inc = np.zeros(len(ci.times))
            se = np.zeros(len(ci.times))
        t = np.r_[0.0, ci.times]
        inc = np.r_[0.0, inc]
        se = np.r_[0.0, se]
        frames.append(
            pd.DataFrame(
                {
                    "cause": name,
                    "years": t,
                    "incidence": inc,
                    "low": np.clip(inc - z * se, 0, 1),
                    "high": np.clip(inc + z * se, 0, 1),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[cols]


def incidence_curves(
    df: pd.DataFrame, by: list[str], causes: tuple[str, ...] = CLOSURE_CAUSES
) -> pd.DataFrame:
    """``cumulative_incidence`` for each group of ``by``."""
    frames = []
    for key, g in df.groupby(by, sort=True, observed=True):
        c = cumulative_incidence(g, causes)
        for col, val in zip(by, key if isinstance(key, tuple) else (key,), strict=True):
            c.insert(0, col, val)
        frames.append(c)
    if not frames:
        return pd.DataFrame(columns=[*by, "cause", "years", "incidence", "low", "high"])
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------- Cox regression


def episodes(
    units: pd.DataFrame, mission: pd.DataFrame | None = None, run_keys: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Split each unit's life (``units`` from ``unit_durations``) at the months when mission
    support switched on or off, giving counting-process rows ``entry, exit, status,
    mission_active``. ``mission`` has ``run_keys…, date, mission_active`` (monthly); without
    it, mission support is taken as on throughout."""
    base = units.copy()
    base["entry"] = 0.0
    base["exit"] = base["years"]
    base["status"] = base["event"].astype(int)
    if mission is None or mission.empty:
        base["mission_active"] = 1
        return base
    rows = []
    keys = list(run_keys)
    groups = mission.groupby(keys, sort=False) if keys else [((), mission)]
    by_run = {(k if isinstance(k, tuple) else (k,)): g for k, g in groups}
    unit_groups = base.groupby(keys, sort=False) if keys else [((), base)]
    for key, g in unit_groups:
        key = key if isinstance(key, tuple) else (key,)
        m = by_run.get(key)
        if m is None:
            g = g.assign(mission_active=1)
            rows.append(g)
            continue
        m = m.sort_values("date")
        active = m["mission_active"].to_numpy(dtype=bool)
        dates = m["date"].reset_index(drop=True)
        switch = np.flatnonzero(np.r_[True, active[1:] != active[:-1]])
        starts, states = dates.iloc[switch].reset_index(drop=True), active[switch]
        for j in range(len(starts)):
            lo = starts[j]
            hi = starts[j + 1] if j + 1 < len(starts) else None
            # years since founding at which this mission regime starts and ends
            a = _months_between(g["founded"], pd.Series(lo, index=g.index)) / 12.0
            b = (
                _months_between(g["founded"], pd.Series(hi, index=g.index)) / 12.0
                if hi is not None
                else np.full(len(g), np.inf)
            )
            entry = np.maximum(a, 0.0)
            exit_ = np.minimum(b, g["years"].to_numpy())
            keep = exit_ > entry
            if not keep.any():
                continue
            part = g[keep].copy()
            part["entry"] = entry[keep]
            part["exit"] = exit_[keep]
            ends_here = g["years"].to_numpy()[keep] <= b[keep]
            part["status"] = (part["event"].to_numpy() & ends_here).astype(int)
            part["mission_active"] = int(states[j])
            rows.append(part)
    return pd.concat(rows, ignore_index=True) if rows else base.assign(mission_active=1)


def hazard_ratios(
    episodes_df: pd.DataFrame, covariates: list[str], confidence: float = CONFIDENCE
) -> tuple[pd.DataFrame, list[str]]:
    """Cox proportional-hazards ratios of closure (``PHReg``, Breslow ties, left-truncated at
    ``entry``) for numeric ``covariates`` of ``episodes_df`` (``entry, exit, status``).

    Covariates that do not vary are dropped and named in the returned notes. Returns a table
    ``covariate, hazard_ratio, low, high, p_value`` and the notes."""
    from statsmodels.duration.hazard_regression import PHReg

    notes: list[str] = []
    used = []
    for c in covariates:
        if episodes_df[c].nunique(dropna=True) < 2:
            notes.append(f"{c} does not vary in these runs, so it has no hazard ratio")
        else:
            used.append(c)
    cols = ["covariate", "hazard_ratio", "low", "high", "p_value"]
    if not used or int(episodes_df["status"].sum()) == 0:
        if int(episodes_df["status"].sum()) == 0:
            notes.append("no closures: hazard ratios cannot be estimated")
        return pd.DataFrame(columns=cols), notes
    exog = episodes_df[used].to_numpy(dtype=float)
    model = PHReg(
        episodes_df["exit"].to_numpy(dtype=float),
        exog,
        status=episodes_df["status"].to_numpy(dtype=int),
        entry=episodes_df["entry"].to_numpy(dtype=float),
        ties="breslow",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit()
    ci = fit.conf_int(alpha=1 - confidence)
    with np.errstate(over="ignore"):  # a covariate with no closures has an unbounded interval
        table = pd.DataFrame(
            {
                "covariate": used,
                "hazard_ratio": np.exp(fit.params),
                "low": np.exp(ci[:, 0]),
                "high": np.exp(ci[:, 1]),
                "p_value": fit.pvalues,
            }
        )
    return table[cols], notes


# ----------------------------------------------------------------------------- run-aware tests


def stratified_logrank(a: pd.DataFrame, b: pd.DataFrame, strata: str) -> tuple[float, float]:
    """Two-sided log-rank test between samples ``a`` and ``b`` (``years``, ``event``) stratified
    by column ``strata`` (``statsmodels.duration.survfunc.survdiff``): observed and expected
    closures are compared within each stratum (a replication: the runs that share a seed) and
    summed, so that differences between replications' markets do not count as differences
    between the samples. (chi-square 1 df, p-value); NaN without events."""
    from statsmodels.duration.survfunc import survdiff

    both = pd.concat([a.assign(_grp=0), b.assign(_grp=1)], ignore_index=True)
    if a.empty or b.empty or not both["event"].any():
        return (np.nan, np.nan)
    # strata holding one sample only, or no event, add nothing to the sums (and would leave a
    # singular variance): the test uses the strata where the samples meet
    keep = both.groupby(strata)["_grp"].transform("nunique") == 2
    keep &= both.groupby(strata)["event"].transform("any")
    both = both[keep]
    if both.empty:
        return (np.nan, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2, p = survdiff(both["years"].to_numpy(float), both["event"].to_numpy(int),
                           both["_grp"].to_numpy(int), strata=both[strata].to_numpy())
    return (float(chi2), float(p))


def pairwise_stratified_logrank(df: pd.DataFrame, by: str, strata: str) -> pd.DataFrame:
    """``stratified_logrank`` between every pair of groups of column ``by``: ``a, b, chi2,
    p_value, strata`` (the strata both groups appear in)."""
    groups = [g for g in pd.unique(df[by].dropna())]
    rows = []
    for i, ga in enumerate(groups):
        for gb in groups[i + 1 :]:
            da, db = df[df[by] == ga], df[df[by] == gb]
            chi2, p = stratified_logrank(da, db, strata)
            n = len(set(da[strata]) & set(db[strata]))
            rows.append({"a": ga, "b": gb, "chi2": chi2, "p_value": p, "strata": n})
    return pd.DataFrame(rows, columns=["a", "b", "chi2", "p_value", "strata"])


@dataclass
class CoxFit:
    """A Cox fit with cluster-robust errors and its proportional-hazards check.

    ``table``: ``covariate, hazard_ratio, low, high, p_value`` (intervals and p-values from the
    cluster-robust covariance); ``ph``: per covariate the correlation of its Schoenfeld
    residuals with the rank of event time and the p-value of that trend (``ph_check``);
    ``clusters``: how many clusters the errors rest on; ``notes``: what was left out and why."""

    table: pd.DataFrame
    ph: pd.DataFrame
    clusters: int
    notes: list[str]


def ph_check(fit: Any, times: np.ndarray, status: np.ndarray, groups: np.ndarray | None,
             names: list[str]) -> pd.DataFrame:
    """Proportional-hazards check of a ``PHReg`` fit (Grambsch & Therneau 1994, in the simple
    form): for each covariate, the Schoenfeld residuals at closures regressed on the rank of the
    closure time; a hazard ratio that drifts with time shows as a trend. The slope's p-value
    uses errors clustered like the fit (``statsmodels`` OLS, ``cov_type="cluster"``), so the
    units of one cluster are not taken as independent. Returns ``covariate, correlation,
    p_value`` (NaN where undefined)."""
    import statsmodels.api as sm

    res = np.asarray(fit.schoenfeld_residuals, dtype=float)
    ev = (np.asarray(status) == 1) & ~np.isnan(res).any(axis=1)
    rank = stats.rankdata(np.asarray(times, dtype=float)[ev])
    rows = []
    for j, name in enumerate(names):
        r = res[ev, j]
        corr = p = np.nan
        if len(r) > 2 and np.std(r) > 0 and np.std(rank) > 0:
            corr = float(np.corrcoef(r, rank)[0, 1])
            x = sm.add_constant(rank)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if groups is not None and len(np.unique(groups[ev])) > 1:
                    # t with (clusters - 1) degrees of freedom: few clusters, wide intervals
                    ols = sm.OLS(r, x).fit(cov_type="cluster", use_t=True,
                                           cov_kwds={"groups": pd.factorize(groups[ev])[0]})
                else:
                    ols = sm.OLS(r, x).fit()
            p = float(ols.pvalues[1])
        rows.append({"covariate": name, "correlation": corr, "p_value": p})
    return pd.DataFrame(rows, columns=["covariate", "correlation", "p_value"])


def _at_risk_of_an_event(ep: pd.DataFrame, strata: str | None) -> np.ndarray:
    """Rows of counting-process episodes (``entry, exit, status``) at risk at some closure time
    of their stratum. The others (censored before the first closure) add nothing to Cox's
    partial likelihood, but statsmodels gives them undefined score residuals, which would make
    the cluster-robust covariance undefined."""
    keep = np.zeros(len(ep), dtype=bool)
    keys = ep[strata].to_numpy() if strata else np.zeros(len(ep))
    entry = ep["entry"].to_numpy(dtype=float)
    exit_ = ep["exit"].to_numpy(dtype=float)
    status = ep["status"].to_numpy(dtype=int)
    for k in pd.unique(keys):
        rows = keys == k
        times = np.sort(exit_[rows & (status == 1)])
        at_risk = (np.searchsorted(times, exit_[rows], side="right")
                   - np.searchsorted(times, entry[rows], side="right"))
        keep[rows] = at_risk > 0
    return keep


def clustered_cox(
    episodes_df: pd.DataFrame,
    covariates: list[str],
    groups: str | None = None,
    strata: str | None = None,
    confidence: float = CONFIDENCE,
) -> CoxFit:
    """Cox regression of closure (``PHReg``, Breslow ties, left-truncated at ``entry``) with
    errors clustered by column ``groups`` (``PHReg.fit(groups=...)``, a sandwich over clusters:
    the units of one run share a market and are not independent) and, optionally, a baseline
    hazard per ``strata`` (each replication its own). With one cluster only the model-based
    errors are used and a note says so. Covariates that do not vary are dropped (noted)."""
    from statsmodels.duration.hazard_regression import PHReg

    notes: list[str] = []
    used = []
    for c in covariates:
        if episodes_df[c].nunique(dropna=True) < 2:
            notes.append(f"{c} does not vary in these runs, so it has no hazard ratio")
        else:
            used.append(c)
    cols = ["covariate", "hazard_ratio", "low", "high", "p_value"]
    empty = CoxFit(pd.DataFrame(columns=cols),
                   pd.DataFrame(columns=["covariate", "correlation", "p_value"]), 0, notes)
    if int(episodes_df["status"].sum()) == 0:
        notes.append("no closures: hazard ratios cannot be estimated")
        return empty
    if not used:
        return empty
    gr = episodes_df[groups].to_numpy() if groups else None
    n_clusters = int(len(np.unique(gr))) if gr is not None else 0
    if gr is not None and n_clusters < 2:
        notes.append("one cluster only: model-based errors, which take units as independent")
        gr = None
    elif gr is not None and n_clusters < 10:
        notes.append(f"errors clustered over {n_clusters} clusters only: the intervals are "
                     "rough")
    ep = episodes_df[_at_risk_of_an_event(episodes_df, strata)]
    if gr is not None:
        gr = ep[groups].to_numpy()
    exit_ = ep["exit"].to_numpy(dtype=float)
    status = ep["status"].to_numpy(dtype=int)
    model = PHReg(exit_, ep[used].to_numpy(dtype=float), status=status,
                  entry=ep["entry"].to_numpy(dtype=float),
                  strata=ep[strata].to_numpy() if strata else None, ties="breslow")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(groups=gr)
    ci = fit.conf_int(alpha=1 - confidence)
    with np.errstate(over="ignore"):  # a covariate with no closures has an unbounded interval
        table = pd.DataFrame({
            "covariate": used,
            "hazard_ratio": np.exp(fit.params),
            "low": np.exp(ci[:, 0]),
            "high": np.exp(ci[:, 1]),
            "p_value": fit.pvalues,
        })
    ph = ph_check(fit, exit_, status, gr, used)
    return CoxFit(table[cols], ph, n_clusters if gr is not None else 1, notes)
