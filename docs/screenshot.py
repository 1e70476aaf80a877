"""Regenerate docs/images/seed-report.png: the seed model's HTML report rendered by headless Chromium.

    python docs/screenshot.py [CHROMIUM]     (default /usr/bin/chromium; needs `pip install playwright`)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

import dla_advisor

REPO = Path(__file__).resolve().parents[1]


def main(chromium: str = "/usr/bin/chromium") -> None:
    os.chdir(REPO)  # the page shows the model path as given: keep it relative
    html = dla_advisor.advise("models/conv2d_1024.onnx", precision="int8").to_html()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        page_file = Path(tmp) / "seed-report.html"
        page_file.write_text(html, encoding="utf-8")
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1500})
        page.goto(page_file.as_uri())
        page.wait_for_selector("body[data-ready='1']")
        page.screenshot(path=str(REPO / "docs" / "images" / "seed-report.png"))
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
