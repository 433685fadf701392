"""The bad-input corpus (issue 7): every file in ``tests/bad_inputs/`` is wrong in one way and
``tests/bad_inputs/expected.yaml`` states the exact error it must give. Each goes through the
real command: exit code 2, exactly the expected ``error: file: key.path: reason`` lines, no
uncaught exception, nothing written. Those marked ``subprocess: true`` also run as a real
process, to prove there is no traceback on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.size import format_bytes, machine_memory
from sosim.cli import app
from tests.conftest import ROOT

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
MANIFEST = yaml.safe_load((CORPUS / "expected.yaml").read_text())
SUBPROCESS = sorted(name for name, case in MANIFEST.items() if case.get("subprocess"))
runner = CliRunner()


def expected_lines(name: str, path: Path) -> list[str]:
    """The expected lines of a corpus file: ``{file}`` is its path as given, ``{dir}`` the
    corpus folder, ``{memory}`` this machine's memory as the size guard prints it."""
    memory = format_bytes(machine_memory())
    return [
        "error: " + line.replace("{file}", str(path)).replace("{dir}", str(path.parent))
        .replace("{memory}", memory)
        for line in MANIFEST[name]["expect"]
    ]


def command(name: str, path: Path, out: Path) -> list[str]:
    cmd = MANIFEST[name]["command"]
    assert cmd in ("run", "validate", "sweep"), name
    return [cmd, str(path)] + ([] if cmd == "validate" else ["--out", str(out)])


def test_every_file_of_the_corpus_has_an_expected_error_and_vice_versa():
    files = {p.name for p in CORPUS.glob("*.yaml")} - {"expected.yaml"}
    assert files == set(MANIFEST)
    scenarios = [n for n, c in MANIFEST.items() if c["command"] != "sweep"]
    sweeps = [n for n, c in MANIFEST.items() if c["command"] == "sweep"]
    assert len(scenarios) >= 40 and len(sweeps) >= 8


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_bad_input_gives_its_exact_error_exit_2_and_writes_nothing(tmp_path, name):
    path = CORPUS / name
    out = tmp_path / "out"
    before = sorted(p.name for p in CORPUS.iterdir())
    res = runner.invoke(app, command(name, path, out))
    # an uncaught exception would be the exception itself, not SystemExit(2)
    assert isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert lines == expected_lines(name, path)
    assert "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == []  # not even a temporary folder
    assert sorted(p.name for p in CORPUS.iterdir()) == before


@pytest.mark.parametrize("name", SUBPROCESS)
def test_bad_input_in_a_real_process_has_no_traceback(tmp_path, name):
    path = CORPUS / name
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "sosim", *command(name, path, out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert [ln for ln in proc.stderr.splitlines() if ln.strip()] == expected_lines(name, path)
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_subprocess_sample_covers_scenarios_and_sweeps():
    kinds = {MANIFEST[n]["command"] for n in SUBPROCESS}
    assert {"run", "sweep"} <= kinds and len(SUBPROCESS) >= 8


@pytest.mark.parametrize(("override", "expected"), [
    ("end=2020/12", "--set: end: expected a month as YYYY-MM, got '2020/12'"),
    ("payments.public_mean_delay_months=.inf",
     "payments.public_mean_delay_months: Input should be a finite number (got inf)"),
    ("events=[{date: 1990-01, do: mission_withdraws}]",
     "events.0.date: 1990-01 is before the start 1999-01"),
])
def test_bad_overrides_on_the_command_line(tmp_path, override, expected):
    base = ROOT / "scenarios" / "kerala_baseline.yaml"
    res = runner.invoke(app, ["run", str(base), "--set", override, "--out", str(tmp_path / "o")])
    assert isinstance(res.exception, SystemExit) and res.exit_code == 2, res.output
    [line] = [ln for ln in res.output.splitlines() if ln.strip()]
    assert line.endswith(expected.removeprefix("--set: ")), line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("override", "expected"), [
    ("seed=true", "seed: Input should be a valid integer (got True)"),
    ("seed=2.0", "seed: Input should be a valid integer (got 2.0)"),
    ("seed='3'", "seed: Input should be a valid integer (got '3')"),
    ("seed=9223372036854775808",
     "seed: Input should be less than or equal to 9223372036854775807 (got 9223372036854775808)"),
    ("formation.founding_members=true",
     "formation.founding_members: Input should be a valid integer (got True)"),
    ("formation.schedule.training.2001=2.0",
     "formation.schedule.training.2001: Input should be a valid integer (got 2.0)"),
    ("formation.grant_multiple=false", "formation.grant_multiple: expected a number, got False"),
    ("end=1850-01", "end: year 1850 out of range 1900-2200, got '1850-01'"),
])
def test_quiet_coercions_and_out_of_range_months_are_refused(tmp_path, override, expected):
    """Issue 17, items 13 and 15: `--set seed=true` ran as seed 1 and `seed=2.0` as seed 2; a
    year out of range was reported as "expected YYYY-MM"."""
    base = ROOT / "scenarios" / "kerala_baseline.yaml"
    res = runner.invoke(app, ["run", str(base), "--set", override, "--out", str(tmp_path / "o")])
    assert isinstance(res.exception, SystemExit) and res.exit_code == 2, res.output
    assert [ln for ln in res.output.splitlines() if ln.strip()] == [f"error: {base}: {expected}"]
    assert list(tmp_path.iterdir()) == []


def test_whole_numbers_still_read_from_yaml_and_numpy(tmp_path):
    """Strict integers keep `seed: 3` in a file working, and take NumPy integers (sweeps and
    calibration compute values with NumPy) as plain ints."""
    import numpy as np

    from sim.scenario import Scenario, load_scenario, scenario_with

    f = tmp_path / "s.yaml"
    f.write_text("seed: 3\nformation:\n  founding_members: 9\n  grant_multiple: 10\n")
    sc = load_scenario(f)
    assert (sc.seed, sc.formation.founding_members, sc.formation.grant_multiple) == (3, 9, 10.0)
    sc = scenario_with(Scenario(), {"seed": np.int64(4), "workforce.rotation_months": np.int32(6)})
    assert (sc.seed, sc.workforce.rotation_months) == (4, 6) and type(sc.seed) is int


def test_money_whose_product_overflows_is_refused(tmp_path):
    """Issue 17, item 12: member_stake_usd=1e308 with grant_multiple=1e308 wrote inf into cash.
    Both are bounded (1e9 US$ and 1,000 x), so no product of the model's money overflows."""
    base = ROOT / "scenarios" / "kerala_baseline.yaml"
    res = runner.invoke(app, ["run", str(base), "--set", "formation.member_stake_usd=1e308",
                              "--set", "formation.grant_multiple=1e308",
                              "--out", str(tmp_path / "o")])
    assert isinstance(res.exception, SystemExit) and res.exit_code == 2, res.output
    assert [ln for ln in res.output.splitlines() if ln.strip()] == [
        f"error: {base}: formation.member_stake_usd: Input should be less than or equal to "
        "1,000,000,000 US$/member (got '1e308')",
        f"error: {base}: formation.grant_multiple: Input should be less than or equal to "
        "1,000 x stakes (got '1e308')",
    ]
    assert list(tmp_path.iterdir()) == []


def _walk_numbers(cls, prefix=""):
    from pydantic import BaseModel

    for name, field in cls.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _walk_numbers(ann, f"{prefix}{name}.")
        elif ann in (int, float):
            yield f"{prefix}{name}", field


def test_every_number_of_the_schema_has_an_upper_bound():
    """Issue 17, items 10 and 12: no integer above int64 and no money that overflows to inf
    can pass validate. Every int and float parameter (and event field) has an upper bound: a
    domain bound or its unit's guard (sim.scenario.params.GUARDS), which fits in int64."""
    import annotated_types as at

    from sim.scenario import EVENT_KINDS, Scenario

    fields = list(_walk_numbers(Scenario))
    for kind, cls in EVENT_KINDS.items():
        fields += list(_walk_numbers(cls, f"events.{kind}."))
    unbounded, too_big = [], []
    for path, field in fields:
        highs = [m.le for m in field.metadata if isinstance(m, at.Le)]
        highs += [m.lt for m in field.metadata if isinstance(m, at.Lt)]
        if not highs:
            unbounded.append(path)
        elif field.annotation is int and max(highs) > 2**63 - 1:
            too_big.append(path)
    assert unbounded == [] and too_big == []
    assert len(fields) > 150


def _run_limited(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    """`python -m sosim ARGS` with 1 GB of address space: a read that is not bounded ends in a
    MemoryError traceback instead of eating the machine's memory."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))

    return subprocess.run([sys.executable, "-m", "sosim", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout, preexec_fn=limit)


def test_a_named_pipe_or_a_huge_file_is_refused_without_reading_it(tmp_path):
    """Issue 17, item 6: a FIFO hung for ever, and the 2 MB limit was checked after reading the
    whole file. Only regular files are read, and at most the limit plus one byte."""
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as fh:  # sparse: 8 GB on paper, no disk used
        fh.truncate(8 * 2**30)
    (tmp_path / "over_pipe.yaml").write_text("extends: pipe.yaml\n")
    (tmp_path / "over_huge.yaml").write_text("extends: huge.yaml\n")
    cases = {
        "pipe.yaml": f"error: {fifo}: is a named pipe, expected a YAML file",
        "over_pipe.yaml": f"error: {tmp_path}/over_pipe.yaml: extends: is a named pipe, "
                          "expected a file: pipe.yaml",
        "huge.yaml": f"error: {huge}: file larger than 2000000 bytes",
        "over_huge.yaml": f"error: {huge}: file larger than 2000000 bytes",
    }
    for name, expected in cases.items():
        proc = _run_limited(["validate", str(tmp_path / name)], timeout=30)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-500:]
        assert proc.stderr.strip() == expected


def test_a_file_that_is_not_a_scenario_is_not_echoed(tmp_path):
    """Issue 17, item 7: a file of someone else's keys and secrets, named directly or by
    `extends:`, gets one line without its contents (its keys were printed as "unknown key"
    errors and its values as "(got ...)")."""
    secret = CORPUS / "not_a_scenario.txt"
    res = runner.invoke(app, ["validate", str(secret)])
    assert res.exit_code == 2, res.output
    assert res.output.strip() == (f"error: {secret}: not a scenario file (none of its top-level "
                                  "keys is a scenario key; its contents are not shown)")
    (tmp_path / "over.yaml").write_text(f"extends: {secret}\n")
    res = runner.invoke(app, ["validate", str(tmp_path / "over.yaml")])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1, res.output
    for word in ("admin_password", "hunter2", "api_token", "0123456789abcdef", "5432"):
        assert word not in res.output


def test_a_chain_of_extends_too_deep_is_one_line(tmp_path):
    """Sibling of issue 17, item 6: a chain of 3000 extends: ran out of Python's stack and was
    reported as "malformed YAML: nested too deeply" in a file of the middle. A chain of 32
    files is read; one more is refused on the file that goes too far."""
    from sim.scenario.merge import MAX_EXTENDS_DEPTH

    def chain(n: int) -> Path:
        for i in range(n - 1):
            (tmp_path / f"c{i}.yaml").write_text(f"extends: c{i + 1}.yaml\n")
        (tmp_path / f"c{n - 1}.yaml").write_text("name: last\n")
        return tmp_path / "c0.yaml"

    assert runner.invoke(app, ["validate", str(chain(MAX_EXTENDS_DEPTH))]).exit_code == 0
    res = runner.invoke(app, ["validate", str(chain(MAX_EXTENDS_DEPTH + 1))])
    assert isinstance(res.exception, SystemExit) and res.exit_code == 2, res.output
    last = MAX_EXTENDS_DEPTH - 1
    assert res.output.strip() == (f"error: {tmp_path}/c{last}.yaml: extends: more than "
                                  f"{MAX_EXTENDS_DEPTH} files deep: c{last + 1}.yaml")


def test_an_event_after_the_end_is_allowed(tmp_path):
    """Known behaviour kept: an event after the horizon never fires (horizons are cut with
    --set end=...); only one before the start is an error."""
    f = tmp_path / "late.yaml"
    f.write_text("end: 2001-12\nevents:\n  - {date: 2010-01, do: mission_withdraws}\n")
    res = runner.invoke(app, ["validate", str(f)])
    assert res.exit_code == 0, res.output


def test_out_folder_of_other_files_is_refused_and_left_alone(tmp_path):
    """`--out ~/projects` must not replace (delete) a folder that is not an earlier run."""
    out = tmp_path / "projects"
    (out / "thesis").mkdir(parents=True)
    (out / "thesis" / "draft.txt").write_text("years of work")
    base = ROOT / "scenarios" / "kerala_baseline.yaml"
    res = runner.invoke(app, ["run", str(base), "--set", "end=1999-12", "--out", str(out)])
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit), res.output
    assert res.output.strip() == (f"error: {out}: --out: holds 'thesis', which no run wrote "
                                  "there; a run replaces only its own folder: choose another "
                                  "folder")
    assert (out / "thesis" / "draft.txt").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["projects"]


# --------------------------------------------------------------------------- exposure
def test_yaml_is_read_with_the_safe_loader_only():
    """No full or unsafe YAML loader anywhere in the code (only yaml.safe_load and the
    alias-limited SafeLoader subclass in sim/scenario/safe_yaml.py)."""
    import re

    unsafe = re.compile(r"yaml\.(load|full_load|unsafe_load|load_all)\(|"
                        r"(Unsafe|Full)Loader|yaml\.Loader\b")
    hits = []
    for folder in ("sim", "analysis", "sosim", "benchmarks"):
        for f in (ROOT / folder).rglob("*.py"):
            for i, line in enumerate(f.read_text().splitlines(), 1):
                if unsafe.search(line):
                    hits.append(f"{f.relative_to(ROOT)}:{i}: {line.strip()}")
    assert hits == []
    from sim.scenario import _AliasLimitedLoader

    assert issubclass(_AliasLimitedLoader, yaml.SafeLoader)


def test_the_dashboard_listens_on_localhost_unless_told_otherwise():
    import inspect

    from sosim.cli import dashboard

    assert inspect.signature(dashboard).parameters["host"].default == "127.0.0.1"


@pytest.mark.slow
def test_the_sweeps_local_dask_cluster_listens_on_localhost():
    pytest.importorskip("distributed")
    from analysis.sweep import executor

    with executor("dask", workers=1) as ex:
        client = ex._client
        addresses = [client.scheduler.address, *client.scheduler_info()["workers"]]
    assert addresses and all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
