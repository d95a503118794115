"""Render the top of the Boden report in headless Chromium: docs/report-boden.png (README).

    make screenshot      # solves scenarios/boden.yaml, writes its report, takes the picture
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "results" / "boden" / "report.html"
PICTURE = ROOT / "docs" / "report-boden.png"


def main() -> int:
    if not REPORT.is_file():
        print(f"{REPORT} is missing: run `make run` first", file=sys.stderr)
        return 2
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1500})
        page.route("http*://**", lambda route: route.abort())
        page.goto(REPORT.as_uri())
        page.wait_for_function("window.Plotly !== undefined")
        page.wait_for_timeout(500)
        page.screenshot(path=str(PICTURE), clip={"x": 0, "y": 0, "width": 1280, "height": 1500})
        browser.close()
    print(f"screenshot written to {PICTURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
