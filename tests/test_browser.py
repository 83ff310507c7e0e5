"""The HTML page in a real browser: headless Chromium renders its MathML.

Skips only where no Chromium is installed, and never when ``CI`` is set
(``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import derive
from derive.printing import html

pytest.importorskip("latex2mathml")

CHROMIUM = next(
    (
        p
        for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
        if p and Path(p).exists()
    ),
    None,
)
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip("no Chromium installed (Debian: apt install chromium)", allow_module_level=True)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1000,1400",
]

# Added to a copy of the page by the test only: measures every <math> after layout.
MEASURE = """<script>
const out = [];
for (const m of document.querySelectorAll(".eq math")) {  // the equations, not the picture's labels
  const box = m.getBoundingClientRect(), inner = m.firstElementChild.getBoundingClientRect();
  const f = m.querySelector("mfrac");
  let stacked = null;
  if (f) {
    const num = f.children[0].getBoundingClientRect(), den = f.children[1].getBoundingClientRect();
    stacked = num.bottom <= den.top + 1;
  }
  out.push({width: inner.width, height: box.height, display: getComputedStyle(m).display,
            stacked: stacked, rows: m.querySelectorAll("mtr").length});
}
const pre = document.createElement("pre");
pre.id = "derive-sizes";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
const inline = [];
for (const m of document.querySelectorAll("p.caption math")) {  // a caption's symbols
  const box = m.getBoundingClientRect();
  inline.push({display: getComputedStyle(m).display, height: box.height,
               line: parseFloat(getComputedStyle(m.parentElement).lineHeight)});
}
const pre2 = document.createElement("pre");
pre2.id = "derive-inline";
pre2.textContent = JSON.stringify(inline);
document.body.appendChild(pre2);
</script>"""


def chromium(tmp_path: Path, *args: str, size: str = "1000,1400") -> subprocess.CompletedProcess:
    assert CHROMIUM, "CI is set but no Chromium is installed"
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    flags = [f for f in FLAGS if not f.startswith("--window-size=")] + [f"--window-size={size}"]
    return subprocess.run(
        [CHROMIUM, *flags, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def measured(tmp_path: Path, page: str, script: str, *ids: str, size: str = "1000,1400"):
    """``page`` with ``script`` appended, laid out by Chromium: the JSON each of the
    script's ``<pre id=...>`` holds after layout, in the order of ``ids``."""
    path = tmp_path / "page.html"
    path.write_text(page.replace("</body>", script + "</body>"), encoding="utf-8")
    result = chromium(tmp_path, "--dump-dom", path.as_uri(), size=size)
    found = []
    for id_ in ids:
        match = re.search(rf'<pre id="{id_}">(.*?)</pre>', result.stdout)
        assert match, result.stderr[-2000:]
        found.append(json.loads(match.group(1)))
    return found[0] if len(found) == 1 else found


@pytest.fixture(scope="module")
def report():
    return derive.explain("doc004", steps=True).report


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_mathml_renders_with_size(tmp_path, report, lang):
    page = html.render(report, lang)
    sizes, inline = measured(tmp_path, page, MEASURE, "derive-sizes", "derive-inline")
    assert len(sizes) == page.count('<div class="eq">')
    for size in sizes:
        assert size["display"] == "block math"  # laid out as MathML, not as unknown tags
        assert size["width"] > 10 and size["height"] > 10
        assert size["width"] <= 900  # every equation fits the page's column
        if size["stacked"] is not None:
            assert size["stacked"]  # a fraction's numerator sits above its denominator
    assert any(s["rows"] >= 3 for s in sizes)  # chains a = b = c on rows
    chains = [s for s in sizes if s["rows"] >= 3]
    assert all(s["height"] > 60 for s in chains)
    assert inline  # "E depends on O_j through every output k": symbols set as math
    for size in inline:
        assert size["display"] in ("math", "inline math")  # laid out as MathML, inline
        assert 5 < size["height"] <= size["line"]  # in the line of text, not a display


def test_screenshot_is_not_blank(tmp_path, report):
    path = tmp_path / "page.html"
    path.write_text(html.render(report, "zh"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    result = chromium(tmp_path, f"--screenshot={shot}", path.as_uri())
    assert shot.exists(), result.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as im:
        grey = np.asarray(im.convert("L"))
    assert grey.shape == (1400, 1000)
    assert len(np.unique(grey)) > 50  # antialiased text and math, not a blank page
    assert (grey < 128).mean() > 0.005  # there is ink


NARROW = """<script>
const box = document.querySelector("figure.picture svg").getBoundingClientRect();
const pre = document.createElement("pre");
pre.id = "derive-picture";
pre.textContent = JSON.stringify({left: box.left, right: box.right, height: box.height,
                                  page: document.documentElement.clientWidth});
document.body.appendChild(pre);
</script>"""


def test_the_picture_fits_a_phone_screen(tmp_path):
    """At 420 px the network picture shrinks to the column (it was cut off at the right,
    the output layer out of sight), keeping its proportions."""
    page = html.render(derive.explain("cs231n", steps=False).report, "en")
    box = measured(tmp_path, page, NARROW, "derive-picture", size="420,900")
    assert 0 <= box["left"] and box["right"] <= box["page"]
    width = box["right"] - box["left"]
    _, _, w, h = map(float, re.search(r'<svg[^>]*viewBox="([^"]*)"', page).group(1).split())
    assert width > 200 and abs(box["height"] / width - h / w) < 0.05


NODE_LABELS = """<script>
const out = [];
for (const c of document.querySelectorAll("svg.network circle")) {
  const box = c.getBoundingClientRect();
  for (const f of document.querySelectorAll("svg.network foreignObject.node")) {
    const m = f.querySelector("math").getBoundingClientRect();
    const cx = (m.left + m.right) / 2, cy = (m.top + m.bottom) / 2;
    if (Math.abs(cx - (box.left + box.right) / 2) < 2 && Math.abs(cy - (box.top + box.bottom) / 2) < 8)
      out.push({label: f.textContent, width: m.width, circle: box.width});
  }
}
const pre = document.createElement("pre");
pre.id = "derive-nodes";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


@pytest.mark.parametrize("notation", ["cs231n", "doc003"])
def test_every_node_label_fits_inside_its_circle(tmp_path, notation):
    """CS231n's hidden_{j_1} and probs_{k_1} ran past their circles' edges."""
    page = html.render(derive.explain(notation, steps=False).report, "en")
    nodes = measured(tmp_path, page, NODE_LABELS, "derive-nodes")
    assert len(nodes) >= 7, nodes
    for node in nodes:
        assert node["width"] <= node["circle"] - 2, node
