"""The report in a real browser: headless Debian Chromium (driven by Playwright, never a
downloaded browser) opens report.html from disk with the network cut off, and every plot must
be drawn with its traces and no console error. Also: static export through kaleido."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from analysis.compare import run_comparison
from analysis.report import build_report, export_figures
from tests.conftest import BASELINE, SCENARIOS

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Debian's chromium is not installed (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "cmp"
    run_comparison([BASELINE, SCENARIOS / "no_spem.yaml"], out, reps=1, root_seed=1,
                   sets=["end=2007-12"], workers=1)
    path, report = build_report(out)
    return path, report


def render_in_chromium(path: Path, n_figures: int) -> tuple[list[dict], list[str], list[str]]:
    """Open ``path`` in headless Chromium with the network cut off; wait for ``n_figures``
    plots and return what each drew, the console errors and the blocked requests."""
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tempfile.mkdtemp(prefix="sosim-chromium-")
    errors: list[str] = []
    blocked: list[str] = []
    try:
        with sync_api.sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=ARGS, headless=True,
                viewport={"width": 1300, "height": 900},
            )
            try:
                def route(r):
                    if r.request.url.startswith("file:"):
                        r.continue_()
                    else:
                        blocked.append(r.request.url)
                        r.abort()

                ctx.route("**/*", route)
                page = ctx.new_page()
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(path.resolve().as_uri(), wait_until="load")
                page.wait_for_function(
                    f"document.querySelectorAll('.js-plotly-plot').length >= {n_figures}",
                    timeout=30_000,
                )
                drawn = page.evaluate(
                    """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
                        id: gd.id,
                        traces: (gd.data || []).length,
                        svg: gd.querySelectorAll('.main-svg .trace, .main-svg g.trace').length,
                        heatmaps: gd.querySelectorAll('.main-svg .hm').length,
                        title: (gd.querySelector('.gtitle') || {}).textContent || ''}))"""
                )
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return drawn, errors, blocked


def test_report_renders_offline_in_chromium(built):
    path, report = built
    n_figures = len(report.figures())
    drawn, errors, blocked = render_in_chromium(path, n_figures)
    assert len(drawn) == n_figures
    for fig in drawn:
        assert fig["traces"] > 0 and fig["svg"] > 0, fig
        assert fig["title"], fig
    assert errors == []
    assert blocked == []  # nothing tried to reach the network


def test_sweep_report_draws_the_answer_heatmap_and_main_effects_in_chromium(tmp_path):
    from tests.test_sweep_answers import WXD, _wxd_outcome, synthetic_sweep

    d = synthetic_sweep(tmp_path / "sweep", WXD, _wxd_outcome)
    path, report = build_report(d)
    n_figures = len(report.figures())
    drawn, errors, blocked = render_in_chromium(path, n_figures)
    assert errors == [] and blocked == []
    by_id = {f["id"]: f for f in drawn}
    first = drawn[0]
    assert first["id"].startswith("fig-answer_survival_10y_") and first["svg"] >= 6, first
    assert "Survival 10y against" in first["title"]
    heat = next(f for i, f in by_id.items() if i.startswith("fig-heatmap_"))
    assert heat["heatmaps"] >= 1, heat
    assert any(i.startswith("fig-main_effects_") and f["svg"] > 0 for i, f in by_id.items())


def test_static_export_through_kaleido(built, tmp_path):
    pytest.importorskip("kaleido")
    _, report = built
    figs = report.figures()[:2]
    paths = export_figures(figs, tmp_path, "png")
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
