"""The explorable page in a real headless Chromium, driven by Playwright.

Playwright is launched with Debian's chromium as its executable (no browser is
ever downloaded).  Skips only where Playwright or Chromium is missing, never
when ``CI`` is set (``.ci/run`` installs chromium and the test extra).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import run_cli as run

CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and Path(p).exists()), None
)
if not os.environ.get("CI"):
    pytest.importorskip("playwright")
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt install chromium)", allow_module_level=True)
pytest.importorskip("latex2mathml")

NUMBERS = """layers = [2, 2, 2]
eta = 0.5
x = [0.05, 0.10]
d = [0.01, 0.99]
W = [[[0.15, 0.25], [0.20, 0.30]], [[{w5}, 0.50], [0.45, 0.55]]]
b = [0.35, 0.60]
"""


def example_json(tmp_path, w5: float) -> dict:
    path = tmp_path / f"numbers_{w5}.toml"
    path.write_text(NUMBERS.format(w5=w5), encoding="utf-8")
    code, out, err = run("example", "--file", str(path), "--format", "json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(tmp_path, browser):
    path = tmp_path / "numbers.toml"
    path.write_text(NUMBERS.format(w5=0.40), encoding="utf-8")
    code, text, err = run("example", "--file", str(path), "--format", "explore", "--digits", "9")
    assert code == 0, err
    assert "<script src" not in text and "http" not in text.split("<script>")[1]  # offline
    html = tmp_path / "explore.html"
    html.write_text(text, encoding="utf-8")
    pg = browser.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(html.as_uri())
    yield pg
    assert errors == []
    pg.close()


def value(pg, path: str) -> float:
    return float(pg.inner_text(f'.value[data-path="{path}"]'))


def test_steps_appear_one_at_a_time(page):
    steps = page.locator(".step")
    total = steps.count()
    assert total > 20
    assert page.locator(".step:not(.hidden)").count() == 1
    for n in range(2, 6):
        page.click("#next")
        assert page.locator(".step:not(.hidden)").count() == n
    page.click("#back")
    assert page.locator(".step:not(.hidden)").count() == 4
    page.click("#all")
    assert page.locator(".step:not(.hidden)").count() == total
    assert page.inner_text("#count") == f"{total} / {total}"


def test_editing_a_weight_updates_every_number_as_the_command_does(page, tmp_path):
    page.click("#all")
    before = example_json(tmp_path, 0.40)
    assert value(page, "E") == pytest.approx(before["E"], abs=1e-9)
    assert value(page, "delta2.0") == pytest.approx(before["delta"][1][0], abs=1e-9)
    page.fill('input[data-path="W2.0.0"]', "0.3")
    after = example_json(tmp_path, 0.3)
    for n in range(2):
        assert value(page, f"delta2.{n}") == pytest.approx(after["delta"][1][n], abs=1e-9)
        assert value(page, f"delta1.{n}") == pytest.approx(after["delta"][0][n], abs=1e-9)
    assert value(page, "E") == pytest.approx(after["E"], abs=1e-9)
    assert value(page, "newW1.0.0") == pytest.approx(after["new"]["W"][0][0][0], abs=1e-9)
    assert after["delta"][1][0] != pytest.approx(before["delta"][1][0])


def test_hover_language_and_notation_switch(page):
    page.click("#all")
    first = page.locator(".step").first
    assert "weighted input" in first.get_attribute("title")
    page.select_option("#lang", "zh")
    assert "加权输入" in first.get_attribute("title")
    assert page.locator("h1 .l-zh").is_visible() and not page.locator("h1 .l-en").is_visible()
    assert page.locator(".step .n-doc004").first.is_visible()
    delta = value(page, "delta2.0")
    page.select_option("#notation", "nielsen")
    assert page.locator(".step .n-nielsen").first.is_visible()
    assert not page.locator(".step .n-doc004").first.is_visible()
    # Nielsen's δ is +∂C/∂z: the same number with the other sign
    assert value(page, "delta2.0") == pytest.approx(-delta)
