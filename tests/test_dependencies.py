"""The lock file (issue 17): ``make`` installs the exact versions of ``requirements.lock``, so it
must pin every dependency that ``pyproject.toml`` declares (the project's and every extra's), at
a version its floor and ceiling allow. A dependency added to ``pyproject.toml`` without
``make lock`` fails here."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def locked() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line!r}"
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_the_lock_pins_every_declared_dependency_within_its_bounds():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    pins = locked()
    assert len(declared) >= 20
    for text in declared:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock: run make lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name]}, outside {req.specifier}")


def test_the_lock_pins_the_floor_the_lhs_design_needs():
    # qmc.LatinHypercube(..., rng=...) exists from scipy 1.15 (analysis/sweep/design.py)
    assert locked()["scipy"] >= Version("1.15")
    scipy = next(Requirement(r) for r in tomllib.loads(
        (ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["analysis"]
        if r.startswith("scipy"))
    assert not scipy.specifier.contains("1.14.1")
