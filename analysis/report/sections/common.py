"""What several sections need of a run set: a note for missing tables, the field-work year and
the last month of each unit's run."""

from __future__ import annotations

import pandas as pd

from analysis.report.document import Section
from analysis.report.load import RunSet
from sim.scenario import Scenario


def _missing(section: Section, what: str) -> None:
    section.note(f"Not shown: this folder does not keep {what}.")


def _field_year(rs: RunSet) -> int:
    for scn in rs.scenarios.values():
        if scn.get("field_work"):
            return int(str(scn["field_work"])[:4])
    return int(Scenario.model_fields["field_work"].default[:4])  # the model's default


def _ends(rs: RunSet, df: pd.DataFrame) -> pd.Series:
    ends = {lab: rs.end_of(lab) for lab in rs.labels}
    fallback = max(
        (e for e in ends.values() if e is not None),
        default=pd.Timestamp(df[["founded"]].max().iloc[0]) if "founded" in df else None,
    )
    return df["scenario"].map(lambda s: ends.get(s) or fallback).astype("datetime64[s]")
