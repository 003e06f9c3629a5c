"""The draft self-check page in Debian's Chromium (headless, Playwright with the system browser)
against a real server: paste a draft, run the check, see the marks; saves a screenshot (slow)."""
import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOT = Path(__file__).resolve().parent.parent / "out" / "browser-self-check.png"
DRAFT = ("Strengths:\n"
         "At 9:14 you asked, \"Why does ice float?\" and 6 of 22 students raised their hands.\n"
         "Students were engaged.\n\n"
         "Did you plan the exit ticket?\n"
         "Next time, try a turn-and-talk before calling on students.\n"
         "Great rapport overall, a wonderful class.")

if CHROMIUM is None:
    if os.environ.get("FQA_REQUIRE_BROWSER"):
        pytest.fail("FQA_REQUIRE_BROWSER is set but no chromium is installed (apt-get install chromium)",
                    pytrace=False)
    pytest.skip("no system Chromium (apt-get install chromium); .ci/run installs it and requires this test",
                allow_module_level=True)


def test_paste_check_and_see_marks(live_server):
    from playwright.sync_api import expect, sync_playwright

    from analyzer import analyze

    base, _ = live_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.goto(base + "/")
        expect(page.locator("#rubric option[value='fft-style']")).to_have_count(1)
        page.fill("#draft", DRAFT)
        page.select_option("#rubric", "fft-style")
        expect(page.locator("#rating-fields select")).to_have_count(22)
        page.select_option("#rate-3b", "4")
        page.keyboard.press("Tab")
        page.click("#check")
        expect(page.locator("#results")).to_be_visible(timeout=60_000)
        expect(page.locator("#marked .mark")).to_have_count(len(analyze(DRAFT).sentences))  # one per sentence
        assert page.locator("#marked .evidence").count() >= 1
        assert page.locator("#marked .unsupported").count() >= 1
        assert page.locator("#marked .question-closed").count() == 1
        assert page.locator("#marked .recommendation").count() == 1
        page.locator("#marked .unsupported").first.focus()  # keyboard: the reason appears on focus
        expect(page.locator("#explain")).to_contain_text("Suggestion")
        expect(page.locator("#questions li")).to_contain_text("Did you plan the exit ticket?")
        expect(page.locator("#readiness li")).to_have_count(5)
        expect(page.locator("#alignment-section")).to_be_visible()
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        browser.close()
    assert SCREENSHOT.stat().st_size > 10_000
