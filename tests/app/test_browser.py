"""The chat page in a real browser: Debian's chromium driven by Playwright, headless."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import time
from pathlib import Path

import pytest
from helpers import ROOT, make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "build" / "test-artifacts"
# Records, in the page, when Enter was pressed, when the new answer's first text appeared and
# when the sources panel was filled, so timings do not include Playwright's polling.
WATCH = """
() => {
  const t = (window.__t = {bots: document.querySelectorAll('#chat [data-testid="bot"]').length});
  const sources = document.querySelector('#sources');
  document.querySelector('#question textarea').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !t.start) t.start = performance.now();
  }, {capture: true, once: true});
  const observer = new MutationObserver(() => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    if (!t.first && bots.length > t.bots && bots[bots.length - 1].innerText.trim())
      t.first = performance.now();
    if (!t.full && sources.querySelector(`[data-turn="${t.bots + 1}"]`)) {
      t.full = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""

#: The LMPP budget: the summary page gives US$ 2,580,649, its terms of reference US$ 2,652,078;
#: a small model may quote either, and both are in the report.
BUDGET = re.compile(r"2,(580,649|652,078)")


@pytest.fixture(scope="module")
def browser_page(app_server):
    if not CHROMIUM.exists():
        pytest.fail("The browser tests need Debian's chromium at /usr/bin/chromium: run "
                    "`sudo apt-get install chromium` (make test installs it when it can)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.dialogs = []  # an alert() from a hostile passage would land here
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(app_server["url"])
        page.wait_for_selector("#question textarea", timeout=60_000)
        yield page
        browser.close()


def ask(page, question: str) -> dict:
    """Type a question, press Enter, wait for the sources panel; return the page's timings."""
    page.evaluate(WATCH)
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function("window.__t.full && window.__t.first", timeout=60_000)
    t = page.evaluate("window.__t")
    return {"first_ms": t["first"] - t["start"], "full_ms": t["full"] - t["start"]}


def new_conversation(page) -> None:
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_function(
        "!document.querySelector('#sources .source-head, #sources .refusal') && "
        "document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0"
    )


def settled(page) -> None:
    """Wait until every image on the page has loaded or failed and the tasks queued meanwhile
    (an onerror handler, say) have run: by then an injected alert() would have fired."""
    page.wait_for_function("[...document.images].every((img) => img.complete)")
    page.evaluate("() => new Promise((done) => setTimeout(done))")


def feedback_lines(path: Path) -> list[str]:
    """The complete (newline-ended) lines of a JSONL file, none while it does not exist."""
    text = path.read_text() if path.exists() else ""
    return text.splitlines()[: text.count("\n")]


def last_answer(page) -> str:
    return page.locator("#chat [data-testid='bot']").last.inner_text()


def test_question_streamed_answer_and_sources(browser_page, app_server):
    page = browser_page
    ask(page, "What was the budget of the LMPP project and who funded it?")
    assert "[1]" in last_answer(page) and "2,580,649" in last_answer(page)
    sources = page.locator("#sources").inner_text()
    assert "Effective Action for Labour Migration Policies and Practice" in sources
    assert "(2009)" in sources and "PROJECT SUMMARY INFORMATION" in sources
    assert page.locator("#sources mark").count() >= 1  # the supporting sentence, highlighted
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

    feedback = app_server["index"] / "feedback.jsonl"
    before = len(feedback_lines(feedback))
    page.locator("#chat button[aria-label='Dislike']").last.click()
    deadline = time.monotonic() + 30
    while len(feedback_lines(feedback)) == before:  # the click's request writes one line
        assert time.monotonic() < deadline, "no feedback line was written"
        time.sleep(0.1)
    saved = json.loads(feedback_lines(feedback)[-1])
    assert saved["rating"] == "down" and "LMPP" in saved["question"]


def test_timings_through_the_browser(browser_page):
    """Enter to first streamed text and to the full answer (sources panel filled), median of
    10 questions; the figures go to docs/benchmarks.md by hand from the artifact."""
    questions = [
        "What was the budget of the LMPP project and who funded it?",
        "How many countries does the ILM database cover?",
        "What did the 2013 evaluation recommend on labour migration statistics?",
        "How many interviews were held for the 2021 high-level evaluation?",
        "Which countries ratified Convention 143 with ILO help?",
        "What share of ITCILO course participants were satisfied?",
        "When was the first Gulf Forum on temporary contractual labour?",
        "What are the seven components of the ILO Plan of Action for migrant workers?",
        "How much did MIGRANT's technical cooperation budget grow by 2008?",
        "Who won the 2014 World Cup?",
    ]
    page = browser_page
    new_conversation(page)
    timings = [ask(page, q) for q in questions]
    first = statistics.median(t["first_ms"] for t in timings)
    full = statistics.median(t["full_ms"] for t in timings)
    (ARTIFACTS / "browser-timings.json").write_text(json.dumps(
        {"first_ms_median": first, "full_ms_median": full, "runs": timings}, indent=2
    ))
    assert first <= full and full < 10_000


# Every text the newest answer bubble shows, in order, until the sources panel fills.
RECORD_STATES = """
() => {
  const seen = (window.__states = []);
  const observer = new MutationObserver(() => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    const text = bots.length ? bots[bots.length - 1].innerText.trim() : '';
    if (text && seen[seen.length - 1] !== text) seen.push(text);
  });
  observer.observe(document.querySelector('#chat'),
                   {subtree: true, childList: true, characterData: true});
}
"""


def open_settings(page) -> None:
    if not page.locator("#answer-mode").is_visible():
        page.locator("#filters").get_by_text("Filters and answer settings").click()


def choose_mode(page, mode: str) -> None:
    open_settings(page)
    page.locator("#answer-mode").get_by_text(mode, exact=True).click()


def test_the_local_model_streams_its_draft_into_the_page(browser_page):
    page = browser_page
    new_conversation(page)
    choose_mode(page, "local")
    try:
        page.evaluate(RECORD_STATES)
        ask(page, "What was the budget of the LMPP project?")
        states = page.evaluate("window.__states")
        final = last_answer(page)
    finally:
        choose_mode(page, "extractive")
    # searching, reading, then the draft growing token by token, then the checked answer
    drafts = [s for s in states[:-1] if not s.endswith("…")]
    assert len(drafts) >= 3, states
    assert BUDGET.search(final) and "[1]" in final
    assert page.locator("#sources mark").count() >= 1


def test_a_filter_restricts_the_sources(browser_page):
    page = browser_page
    new_conversation(page)
    open_settings(page)
    page.locator("#report-filter").get_by_text("High-level evaluation", exact=False).click()
    ask(page, "What did the evaluation find about fair recruitment?")
    heads = page.locator("#sources .source-head").all_inner_texts()
    assert heads and all("2021-fair-labour-migration-hle-summary.txt" in h for h in heads)
    page.locator("#report-filter").get_by_text("High-level evaluation", exact=False).click()


def upload(page, path: Path) -> str:
    if not page.locator("#upload-button").is_visible():  # open the accordion once
        page.locator("#upload-panel").get_by_text("Add reports").click()
    page.locator("#upload input[type='file']").set_input_files(str(path))
    # the file is in the component's value once its preview row (not the progress bar) shows
    page.locator(f"#upload td.filename[aria-label={json.dumps(path.name)}]").wait_for(
        timeout=60_000)
    page.locator("#upload-button").click()
    page.wait_for_function(  # the result table, not the progress line, names the file
        "[...document.querySelectorAll('#upload-result table td')]"
        f".some(td => td.innerText.includes({json.dumps(path.name)}))",
        timeout=120_000,
    )
    return page.locator("#upload-result table").inner_text()


def test_upload_a_pdf_and_ask_about_it(browser_page, tmp_path):
    page = browser_page
    pdf = make_pdf(tmp_path / "kiribati-review.pdf", [
        "Kiribati seafarers review\n\nThis short review covers seafarer training.",
        "Findings\n\nThe Kiribati seafarer programme trained 312 cadets in 2023 at the "
        "Marine Training Centre in Tarawa.",
    ])
    before = int(page.locator("#status-line").inner_text().split(" reports")[0].split()[-1])
    result = upload(page, pdf)
    assert "added" in result
    assert f"{before + 1} reports" in page.locator("#status-line").inner_text()
    new_conversation(page)
    ask(page, "How many cadets did the Kiribati seafarer programme train?")
    assert "312" in last_answer(page)
    heads = page.locator("#sources .source-head").all_inner_texts()
    assert any("kiribati-review.pdf" in h and "p. 2" in h for h in heads)


def test_hostile_report_is_shown_as_text(browser_page, tmp_path):
    page = browser_page
    hostile = tmp_path / "hostile-note.md"
    hostile.write_text(
        "# Hostile note on Vanuatu labour mobility\n\n"
        "The Vanuatu labour mobility note says &lt;script&gt;alert('xss')&lt;/script&gt; and "
        "&lt;img src=x onerror=alert('img')&gt; in its Vanuatu findings on seasonal work.\n"
    )
    assert "added" in upload(page, hostile)
    new_conversation(page)
    ask(page, "What does the Vanuatu labour mobility note say in its findings?")
    panel = page.locator("#sources")
    assert "<script>alert('xss')</script>" in panel.inner_text()
    assert "<img src=x onerror=alert('img')>" in panel.inner_text()
    assert panel.locator("script").count() == 0 and panel.locator("img").count() == 0
    assert page.locator("#chat img").count() == 0
    settled(page)
    assert page.dialogs == []
    shutil.copy(ARTIFACTS / "chat.png", ARTIFACTS / "chat-latest.png")
