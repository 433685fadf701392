"""Reading a sweep folder's results: the runs table and the monthly series."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_runs(out: str | Path) -> pd.DataFrame:
    """The runs table of a sweep folder, ordered by run, each run (key) once."""
    df = pd.read_parquet(Path(out) / "runs")
    df = df.sort_values("run", kind="stable").drop_duplicates("key")
    return df.reset_index(drop=True)


def read_monthly(out: str | Path) -> pd.DataFrame:
    """The monthly series of a sweep folder (with ``point`` from the partition), ordered."""
    path = Path(out) / "timeseries"
    if not path.exists():
        return pd.DataFrame()
    df = pd.read_parquet(path)
    df["point"] = df["point"].astype("int64")
    return df.sort_values(["run", "date"], kind="stable").reset_index(drop=True)
