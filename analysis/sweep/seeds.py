"""Seeds of a sweep's runs: common random numbers per replication (``replication_seeds``, shared
with every runner of many runs in ``analysis.runmany``), and the dummy factor's own seeds."""

from __future__ import annotations

import numpy as np

from analysis.runmany import replication_seeds

__all__ = ["dummy_seed", "replication_seeds"]


def dummy_seed(root: int, replication: int, dummy: float) -> int:
    """Seed of a run whose design point carries a dummy value: the dummy moves the seed."""
    code = int(round(dummy * 2**32)) % 2**32
    return int(np.random.SeedSequence(root, spawn_key=(replication, code)).generate_state(1)[0])
