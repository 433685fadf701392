"""Seeds of a sweep's runs: common random numbers per replication, and the dummy's own seeds."""

from __future__ import annotations

import numpy as np


def replication_seeds(root: int, replications: int) -> list[int]:
    """Seed of replication k (the same at every design point): common random numbers."""
    children = np.random.SeedSequence(root).spawn(replications)
    return [int(c.generate_state(1)[0]) for c in children]


def dummy_seed(root: int, replication: int, dummy: float) -> int:
    """Seed of a run whose design point carries a dummy value: the dummy moves the seed."""
    code = int(round(dummy * 2**32)) % 2**32
    return int(np.random.SeedSequence(root, spawn_key=(replication, code)).generate_state(1)[0])
