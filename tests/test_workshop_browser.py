"""Browser test of the played workshop (issue 19's acceptance): `sosim workshop` with one
teacher page and four participant pages in Debian's Chromium, offline, nothing leaving
127.0.0.1. Eight quarters are played: two participants decide (one keeps all the free cash as
reserve, one pays it all to members) and their units' cash moves the way that implies against
the rule-driven twin; the other two fall back to the rule; the teacher's withdrawal reaches
every page; the debrief lists all four. Screenshots of the teacher's and one participant's
screen after eight quarters go to ``$SOSIM_SCREENSHOT_DIR`` (or the temporary folder)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
sync_api = pytest.importorskip("playwright.sync_api")

from tests.test_dashboard_browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL,
    free_port,
)

pytestmark = pytest.mark.timeout(240)
NAMES = ("Asha", "Bindu", "Chitra", "Devi")


@pytest.fixture(scope="module")
def room():
    """`sosim workshop` on a free port; yields (participants' URL, teacher's URL)."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "sosim", "workshop", "--port", str(port),
                             "--quarter-seconds", "600"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        urls: dict[str, str] = {}
        while "ready" not in urls:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"workshop exited with {proc.wait()}: {''.join(lines)}")
            lines.append(line)
            for key in ("participants", "teacher"):
                m = re.search(rf"{key}:\s+(http://\S+)", line)
                if m:
                    urls[key] = m.group(1)
            if "ready on" in line:
                urls["ready"] = line
            if time.monotonic() > deadline:
                pytest.fail(f"workshop did not start: {''.join(lines)}")
        yield urls["participants"], urls["teacher"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_page(browser, url: str, outside: list[str], width: int = 1366, height: int = 900):
    ctx = browser.new_context(viewport={"width": width, "height": height})
    page = ctx.new_page()
    page.on("response", lambda r: outside.append(f"{r.status} {r.url}")
            if r.status >= 500 else None)

    def route(r):
        if LOCAL.match(r.request.url):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url)
    page.locator("#live h3").wait_for(timeout=30_000)
    return page


def usd(text: str) -> float:
    return float(text.replace("US$", "").replace(",", ""))


def wait_text(page, selector: str, pattern: str, timeout_s: float = 20.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        loc = page.locator(selector)
        if loc.count():
            text = loc.first.inner_text()
            if re.search(pattern, text):
                return text
        page.wait_for_timeout(200)
    raise AssertionError(f"{selector} never showed {pattern!r}")


def test_four_participants_and_a_teacher_play_eight_quarters(room, browser):
    join_url, teacher_url = room
    outside: list[str] = []
    teacher = open_page(browser, teacher_url, outside, height=800)
    people = {}
    for name in NAMES:
        page = open_page(browser, join_url, outside, width=1000, height=900)
        page.fill("#name", name)
        page.get_by_role("button", name=re.compile("Join room")).click()
        wait_text(page, "#me", rf"^{name}: unit \d+")
        people[name] = page
    wait_text(teacher, "#live", r"Joined \(4\)")

    # two decide; the other two never do. The form starts at the rule's choices
    a, b = people["Asha"], people["Bindu"]
    assert float(a.input_value("#pay")) > 0
    a.fill("#pay", "0")  # keep all the free cash as reserve
    a.get_by_role("button", name="Decide").click()
    wait_text(a, "#said", "Decided for the quarter")
    # a bad decision is refused in one line
    b.fill("#loan", "-5")
    b.get_by_role("button", name="Decide").click()
    said = wait_text(b, "#said", "loan_usd")
    assert said.startswith("unit ") and "greater than or equal to 0" in said
    b.fill("#loan", "2000")  # a further loan of US$2,000 in the first quarter
    b.get_by_role("button", name="Decide").click()
    wait_text(b, "#said", "Decided for the quarter")

    advance = teacher.get_by_role("button", name="Advance a quarter")
    for q in range(1, 9):
        advance.click()
        wait_text(teacher, "#live h3", rf"quarter {q} played", timeout_s=30)
        if q == 4:  # the teacher throws in a withdrawal from the next quarter
            teacher.select_option("#ev_do", "mission_withdraws")
            teacher.get_by_role("button", name="Throw in").click()
            news = wait_text(teacher, "#said", r"The mission withdraws in \d{4}-\d\d\.")
    for page in (teacher, *people.values()):
        wait_text(page, ".news", re.escape(news))
        wait_text(page, "#live h3", "quarter 8 played")

    # who decided and who was left to the rule, quarter by quarter, on their own pages
    for name, decided in (("Asha", True), ("Bindu", True), ("Chitra", False), ("Devi", False)):
        quarters = people[name].locator("li.quarter").all_inner_texts()
        assert len(quarters) == 8
        word = "you decided" if decided else "the rule decided"
        assert all(word in q for q in quarters), (name, quarters)

    teacher.get_by_role("button", name="Reveal").click()
    cash = {}
    for name, page in people.items():
        wait_text(page, "td.r-cash", r"US\$")
        cash[name] = (usd(page.locator("td.v-cash").inner_text()),
                      usd(page.locator("td.r-cash").inner_text()))
    # all free cash kept as reserve: more cash than the rule's unit, and members unpaid
    assert cash["Asha"][0] > cash["Asha"][1]
    assert usd(a.locator("td.v-pay_per_member").inner_text()) == 0
    # the loan came in in the first quarter, and the cash with it
    first = b.locator("li.quarter").last.inner_text()
    assert re.search(r"Unit \d+ took a further loan of US\$2,000", first), first
    came_in = usd(re.search(r"came in (US\$[\d,]+)", first).group(1))
    before, after = (usd(x) for x in re.search(r"cash (US\$[\d,]+) → (US\$[\d,]+)",
                                                first).groups())
    assert came_in >= 2000 and after == pytest.approx(
        before + came_in - usd(re.search(r"went out (US\$[\d,]+)", first).group(1)), abs=2)
    assert all("further loan" not in q for q in b.locator("li.quarter").all_inner_texts()[:-1])

    shots = Path(os.environ.get("SOSIM_SCREENSHOT_DIR") or tempfile.gettempdir())
    shots.mkdir(parents=True, exist_ok=True)
    teacher.wait_for_timeout(1500)  # the picture of quarter 8 loads
    teacher.screenshot(path=str(shots / "sosim_workshop_teacher_8.png"), full_page=True)
    a.screenshot(path=str(shots / "sosim_workshop_participant_8.png"), full_page=True)

    # the debrief lists all four, with who decided how often, and exports as one file
    a.get_by_role("link", name="The debrief").click()
    a.locator("tr.played").first.wait_for()
    rows = a.locator("tr.played").all_inner_texts()
    assert len(rows) == 4
    for name, decided in (("Asha", 8), ("Bindu", 8), ("Chitra", 0), ("Devi", 0)):
        [row] = [r for r in rows if r.startswith(name)]
        assert f"{decided} of 8" in row
    a.screenshot(path=str(shots / "sosim_workshop_debrief.png"), full_page=True)
    with a.expect_download() as dl:
        a.get_by_role("link", name="Save as HTML").click()
    text = Path(dl.value.path()).read_text()
    assert all(name in text for name in NAMES) and "data:image/png;base64," in text
    assert outside == [], f"requests off this machine or failing: {outside}"
