"""A size guard (issue 17, item 11): estimate a run's memory and time from its scenario before the
world is built, and refuse one that would not fit in this machine's memory, in one line (an
``--allow-large`` flag overrides). ``--set formation.schedule.training.1999=100000000`` ran for
many minutes and grew to 1.7 GB with no word.

The estimate counts what the world holds: every unit the schedule forms (all of them, as if none
closed: an upper bound) and its founding members; memory grows with these rows, hardly with the
months (a unit's yearly records are small beside its members). The constants were measured with
``/usr/bin/time -f %M`` on ``sosim run scenarios/kerala_baseline.yaml`` with
``formation.schedule.training.2000`` set to 50,000 and 100,000 units (ends 2001-12 and 2003-12):
485, 488 and 765 MB peak, 8.4, 10.8 and 16.9 s on one shared core (Python 3.12, NumPy 2); the
baseline, 232 units, 195 MB. They are rounded up, so the guard errs towards letting a run start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sim.scenario import Scenario, ScenarioError

BASE_BYTES = 200e6
"""Memory of the process before the world: interpreter, NumPy, pandas, pyarrow, Mesa (measured
195 MB)."""
BYTES_PER_ROW = 600.0
"""Memory per unit or member row of the world and its records (measured 530 B: 290 MB more for
50,000 units of 10 members, 570 MB more for 100,000)."""
SECONDS_PER_UNIT = 4e-5
"""Time to form and record one unit, whatever the months (measured 3.6e-5 s)."""
SECONDS_PER_UNIT_MONTH = 2e-6
"""Time per unit and simulated month (measured 2.0e-6 s; a unit that closes costs less)."""


@dataclass(frozen=True)
class SizeEstimate:
    """What a run of a scenario will hold and take, at most."""

    units: int
    people: int
    months: int
    bytes: float
    seconds: float


def estimate(scenario: Scenario) -> SizeEstimate:
    """The memory and time of one run of ``scenario``, from its schedule, founding members and
    months (an upper bound on units: none closes)."""
    units = sum(sum(years.values()) for years in scenario.formation.schedule.values())
    people = units * scenario.formation.founding_members
    months = scenario.months
    rows = units + people
    return SizeEstimate(units, people, months, BASE_BYTES + BYTES_PER_ROW * rows,
                        units * (SECONDS_PER_UNIT + SECONDS_PER_UNIT_MONTH * months))


def machine_memory() -> float:
    """Bytes of memory this process may use: the physical memory, or a smaller cgroup limit."""
    total = float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            total = min(total, float(limit))
    except OSError:
        pass
    return total


def format_bytes(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n / 1e3:,.0f} kB"


def _duration(s: float) -> str:
    if s >= 2 * 86400:
        return f"{s / 86400:,.0f} days"
    if s >= 2 * 3600:
        return f"{s / 3600:,.1f} h"
    if s >= 120:
        return f"{s / 60:,.0f} min"
    return f"{s:,.0f} s"


def check_size(scenario: Scenario, source: str, workers: int = 1,
               allow_large: bool = False) -> SizeEstimate:
    """Refuse, before the world is built, a run of ``scenario`` (or ``workers`` such runs at
    once) whose estimated memory is past this machine's (``check_estimate``)."""
    return check_estimate(estimate(scenario), source, workers, allow_large)


def check_estimate(est: SizeEstimate, source: str, workers: int = 1,
                   allow_large: bool = False) -> SizeEstimate:
    """Raise one ``ScenarioError`` line on ``formation.schedule`` of ``source``, naming the
    estimate and the machine's memory, when ``workers`` runs of size ``est`` would not fit in
    this machine's memory; ``allow_large`` lets them through."""
    have = machine_memory()
    if est.bytes * max(1, workers) > have and not allow_large:
        runs = f" on each of {workers} workers" if workers > 1 else ""
        raise ScenarioError([(source, "formation.schedule",
                              f"a run would need about {format_bytes(est.bytes)} of memory{runs} "
                              f"({est.units:,} units, {est.people:,} members) and about "
                              f"{_duration(est.seconds)}; this machine has {format_bytes(have)}: "
                              "pass --allow-large to run it anyway")])
    return est
