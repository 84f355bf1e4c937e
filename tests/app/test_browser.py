"""The chat page in a real browser: Debian's chromium driven by Playwright, headless."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from helpers import ROOT, make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "build" / "test-artifacts"
# Records, in the page, when Enter was pressed, when the new answer's first text appeared and
# when the answer was finished (its sources under it), so timings do not include Playwright's
# polling.
WATCH = """
() => {
  const t = (window.__t = {bots: document.querySelectorAll('#chat [data-testid="bot"]').length});
  document.querySelector('#question textarea').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !t.start) t.start = performance.now();
  }, {capture: true, once: true});
  const observer = new MutationObserver(() => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    const last = bots.length > t.bots ? bots[bots.length - 1] : null;
    if (!t.first && last && last.innerText.trim()) t.first = performance.now();
    if (!t.full && last && last.querySelector('.answer-foot')) {
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


def launch(playwright):
    if not CHROMIUM.exists():
        pytest.fail("The browser tests need Debian's chromium at /usr/bin/chromium: run "
                    "`sudo apt-get install chromium` (make test installs it when it can)")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
    )


def open_page(browser, url: str, width: int, height: int):
    """A page on the app that keeps its console errors and uncaught exceptions in
    ``page.errors`` and any alert() in ``page.dialogs``."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.dialogs = []  # an alert() from a hostile passage would land here
    page.errors = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector("#question textarea", timeout=60_000)
    loaded(page)
    return page


def loaded(page) -> None:
    """Wait until the page has read the index (the status line names the reports)."""
    page.wait_for_function(
        "(document.querySelector('#status-line')?.innerText || '').includes('report')",
        timeout=60_000,
    )


@pytest.fixture(scope="module")
def browser(app_server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def browser_page(browser, app_server):
    page = open_page(browser, app_server["url"], 1400, 1100)
    yield page
    page.close()


@pytest.fixture()
def no_console_errors(browser_page):
    """Every test that uses it ends with no console error on the page."""
    yield
    assert browser_page.errors == [], browser_page.errors


def ask(page, question: str) -> dict:
    """Type a question, press Enter, wait for the finished answer; return the page's timings."""
    page.evaluate(WATCH)
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function("window.__t.full && window.__t.first", timeout=60_000)
    t = page.evaluate("window.__t")
    return {"first_ms": t["first"] - t["start"], "full_ms": t["full"] - t["start"]}


def new_conversation(page) -> None:
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0")


def settled(page) -> None:
    """Wait until every image on the page has loaded or failed and the tasks queued meanwhile
    (an onerror handler, say) have run: by then an injected alert() would have fired."""
    page.wait_for_function("[...document.images].every((img) => img.complete)")
    page.evaluate("() => new Promise((done) => setTimeout(done))")


def feedback_lines(path: Path) -> list[str]:
    """The complete (newline-ended) lines of a JSONL file, none while it does not exist."""
    text = path.read_text() if path.exists() else ""
    return text.splitlines()[: text.count("\n")]


def bot(page, index: int = -1):
    """The answer message ``index`` (the last by default)."""
    bots = page.locator("#chat [data-testid='bot']")
    return bots.last if index == -1 else bots.nth(index)


def last_answer(page) -> str:
    return bot(page).inner_text()


def sources_of(message) -> list[str]:
    """The heads (report, year, page, section, file) of one answer's sources, read whether
    the fold is open or not."""
    return [h.text_content() for h in message.locator(".src-head").all()]


def test_question_streamed_answer_and_sources(browser_page, app_server, no_console_errors):
    page = browser_page
    ask(page, "What was the budget of the LMPP project and who funded it?")
    answer = bot(page)
    assert "[1]" in last_answer(page) and "2,580,649" in last_answer(page)
    count = answer.locator(".answer-sources .src").count()
    summary = answer.locator("summary").inner_text()
    assert summary.startswith(f"Sources ({count}) · Effective Action") and count >= 1
    heads = " ".join(sources_of(answer))
    assert "Effective Action for Labour Migration Policies and Practice" in heads
    assert "(2009)" in heads and "PROJECT SUMMARY INFORMATION" in heads
    assert answer.locator(".src mark").count() >= 1  # the supporting sentence, highlighted
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

    feedback = app_server["index"] / "feedback.jsonl"
    before = len(feedback_lines(feedback))
    page.locator("#chat button[aria-label='Dislike']").last.click()
    page.locator("#feedback-comment textarea").fill("The budget figure is the wrong one")
    page.locator("#feedback-send").click()
    page.locator("#feedback-box").wait_for(state="hidden")
    deadline = time.monotonic() + 30
    while len(feedback_lines(feedback)) == before:  # the click's request writes one line
        assert time.monotonic() < deadline, "no feedback line was written"
        time.sleep(0.1)
    saved = json.loads(feedback_lines(feedback)[-1])
    assert saved["rating"] == "down" and "LMPP" in saved["question"]
    assert saved["comment"] == "The budget figure is the wrong one"


def test_a_citation_opens_its_own_answers_passage(browser_page, no_console_errors):
    page = browser_page
    new_conversation(page)
    ask(page, "What was the budget of the LMPP project and who funded it?")
    ask(page, "What did the 2013 evaluation recommend on labour migration statistics?")
    first, second = bot(page, 0), bot(page, 1)
    first_heads, second_heads = sources_of(first), sources_of(second)
    # after a second question, the first answer's sources are still its own
    assert first_heads and all("2009-lmpp-project-final-evaluation.md" in h for h in first_heads)
    assert any("2013" in h for h in second_heads) and first_heads != second_heads
    assert first.locator("details.answer-sources").get_attribute("open") is None

    first.locator("a.cite", has_text="[2]").first.click()
    target = first.locator("#a1-s2")
    target.wait_for(state="visible")
    assert "cited" in (target.get_attribute("class") or "")
    assert target.locator("mark").count() >= 1
    assert target.locator(".src-head").inner_text().startswith("[2] ")
    head = target.locator(".src-head").inner_text()  # report, year, section (md: no pages)
    assert "(2009)" in head and "2009-lmpp-project-final-evaluation.md" in head
    assert page.locator("#chat .src.cited").count() == 1  # nothing in the other answer
    assert second.locator("details.answer-sources").get_attribute("open") is None
    log = page.locator("#chat [role='log']").bounding_box()
    box = target.bounding_box()
    assert log["y"] <= box["y"] < log["y"] + log["height"]  # scrolled into the chat's view


def test_a_new_answer_is_shown_from_its_start(browser_page, no_console_errors):
    """The chat does not jump to the end of a long answer: each new question heads the
    chat's view (or, when what follows it is shorter than the view, the chat is at its end)."""
    page = browser_page
    new_conversation(page)
    page.set_viewport_size({"width": 1400, "height": 760})
    headed = []
    try:
        for question in (
            "What did the 2013 evaluation recommend on labour migration statistics?",
            "What was the budget of the LMPP project and who funded it?",
            "What are the seven components of the ILO Plan of Action for migrant workers?",
        ):
            ask(page, question)
            asked = page.locator("#chat [data-testid='user']").last.bounding_box()
            log = page.locator("#chat [role='log']").bounding_box()
            top, end = page.evaluate(
                "() => { const l = document.querySelector('#chat [role=log]');"
                " return [l.scrollTop, l.scrollHeight - l.clientHeight]; }")
            at_top = log["y"] - 20 <= asked["y"] <= log["y"] + 40
            at_end = top >= end - 2
            assert at_top or (at_end and log["y"] <= asked["y"] < log["y"] + log["height"]), (
                question, asked, log, top, end)
            headed.append(at_top and top > 0 and not at_end)
    finally:
        page.set_viewport_size({"width": 1400, "height": 1100})
    assert any(headed)  # at least one answer ran past the view and was shown from its start


def test_an_example_click_sends_it(browser_page, no_console_errors):
    page = browser_page
    new_conversation(page)
    example = page.locator("#chat button.example").nth(2)
    text = example.inner_text().strip()
    assert text.endswith("?") and "…" not in text  # shown in full
    example.click()
    page.locator("#chat [data-testid='bot'] .answer-foot").wait_for(timeout=60_000)
    assert page.locator("#chat [data-testid='user']").last.inner_text().strip() == text
    assert page.locator("#question textarea").input_value() == ""


def test_a_refusal_names_the_closest_passages_once(browser_page, no_console_errors):
    page = browser_page
    new_conversation(page)
    ask(page, "Who won the 2014 World Cup?")
    answer = bot(page)
    text = answer.inner_text()
    assert "Closest passages:" not in text  # the list in the text is the cards below
    assert answer.locator("summary").inner_text().startswith("Closest passages (")
    heads = sources_of(answer)
    places = [re.sub(r" · p\. [\d-]+", "", h) for h in heads]  # the same section on two pages
    assert heads and len(set(places)) == len(places), heads
    page.screenshot(path=str(ARTIFACTS / "refusal.png"))


def test_timings_through_the_browser(browser_page, no_console_errors):
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
        page.locator("#advanced").get_by_text("Advanced").click()


def choose_mode(page, mode: str) -> None:
    open_settings(page)
    page.locator("#answer-mode").get_by_text(mode, exact=True).click()


def test_the_local_model_streams_its_draft_into_the_page(browser_page, no_console_errors):
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
    assert bot(page).locator(".src mark").count() >= 1


def choose_report(page, words: str) -> None:
    page.locator("#report-filter input").click()
    page.locator("#report-filter [role=option]", has_text=words).first.click()
    page.keyboard.press("Escape")


def test_a_filter_shows_a_chip_and_restricts_the_sources(browser_page, no_console_errors):
    page = browser_page
    new_conversation(page)
    assert not page.locator("#filter-chip").is_visible()
    choose_report(page, "High-level evaluation")
    chip = page.locator("#filter-chip")
    chip.wait_for(state="visible")
    assert "High-level evaluation" in chip.inner_text()
    page.screenshot(path=str(ARTIFACTS / "filters.png"))
    ask(page, "What did the evaluation find about fair recruitment?")
    heads = sources_of(bot(page))
    assert heads and all("2021-fair-labour-migration-hle-summary.txt" in h for h in heads)
    chip.click()  # the chip removes the filter
    chip.wait_for(state="hidden")
    assert page.locator("#report-filter .token").count() == 0


def choose_year(page, end: str, year: int) -> None:
    page.locator(f"#year-{end} input").click()
    page.locator(f"#year-{end} [role=option]", has_text=str(year)).first.click()


def test_one_year_range_whose_ends_do_not_cross(browser_page, no_console_errors):
    page = browser_page
    chip = page.locator("#filter-chip")
    choose_year(page, "min", 2019)
    page.wait_for_function("document.querySelector('#filter-chip')?.innerText.includes('2019')")
    assert "2019–" in chip.inner_text()
    choose_year(page, "max", 2013)  # before the start: the start moves back with it
    page.wait_for_function("document.querySelector('#year-min input').value === '2013'")
    page.wait_for_function("document.querySelector('#filter-chip')?.innerText"
                           ".includes('2013–2013')")
    ask(page, "What did the evaluation recommend on labour migration statistics?")
    heads = sources_of(bot(page))
    assert heads and all("(2013)" in h for h in heads)
    chip.click()
    chip.wait_for(state="hidden")
    low, high = (page.locator(f"#year-{end} input").input_value() for end in ("min", "max"))
    assert int(low) < 2013 < int(high)


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


def reports_in_status(page) -> int:
    return int(re.search(r"(\d+) reports?", page.locator("#status-line").inner_text()).group(1))


def test_upload_a_pdf_then_reload_and_filter_by_it(browser_page, tmp_path, no_console_errors):
    page = browser_page
    pdf = make_pdf(tmp_path / "kiribati-review-2024.pdf", [
        "Kiribati seafarers review\n\nThis short review covers seafarer training.",
        "2. Findings\n\nThe Kiribati seafarer programme trained 312 cadets in 2023 at the "
        "Marine Training Centre in Tarawa.",
    ])
    before = reports_in_status(page)
    result = upload(page, pdf)
    assert "added" in result
    assert reports_in_status(page) == before + 1
    assert page.locator("#year-max input").input_value() == "2024"  # the range grew at once

    # A page loaded now reads the index as it is, not as it was when the app started. (A
    # fresh tab rather than reload(): a reload aborts the old page's open requests, which
    # Gradio logs as console errors.)
    page = open_page(page.context.browser, page.url, 1400, 1100)
    assert reports_in_status(page) == before + 1
    assert page.locator("#year-max input").input_value() == "2024"
    choose_report(page, "Kiribati seafarers review (2024)")  # the title from page 1
    page.locator("#filter-chip").wait_for(state="visible")
    ask(page, "How many cadets did the Kiribati seafarer programme train?")
    assert "312" in last_answer(page)
    heads = sources_of(bot(page))
    assert heads and all("kiribati-review-2024.pdf" in h for h in heads)
    assert any("p. 2" in h for h in heads)
    page.locator("#filter-chip").click()
    page.locator("#filter-chip").wait_for(state="hidden")
    assert page.errors == []
    page.close()


def test_hostile_report_is_shown_as_text(browser_page, tmp_path, no_console_errors):
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
    answer = bot(page)
    answer.locator("summary").click()  # open the sources
    shown = answer.locator(".answer-sources").inner_text()
    assert "<script>alert('xss')</script>" in shown
    assert "<img src=x onerror=alert('img')>" in shown
    assert page.locator("#chat script").count() == 0 and page.locator("#chat img").count() == 0
    settled(page)
    assert page.dialogs == []
    shutil.copy(ARTIFACTS / "chat.png", ARTIFACTS / "chat-latest.png")


def test_api_docs_render_with_the_network_cut(browser, app_server):
    """/docs and /redoc load every script and style from this server: with every request that
    would leave 127.0.0.1 aborted, both render and none was even tried."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    outside: list[str] = []
    errors: list[str] = []

    def guard(route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", None):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(app_server["url"].rstrip("/") + "/docs")
    page.locator(".swagger-ui .opblock-summary-path", has_text="/api/ask").first.wait_for(
        timeout=60_000)
    assert "Evaluation-report assistant" in page.locator(".swagger-ui .title").inner_text()
    page.goto(app_server["url"].rstrip("/") + "/redoc")
    page.get_by_text("/api/documents").first.wait_for(timeout=60_000)
    page.goto(app_server["url"])  # the page's footer points at them
    page.locator("#rest-footer a[href='/docs']").wait_for()
    page.close()
    assert outside == [] and errors == []


def test_phone_layout_puts_the_sources_under_each_answer(browser, app_server):
    page = open_page(browser, app_server["url"], 390, 844)
    page.screenshot(path=str(ARTIFACTS / "phone-first-load.png"))
    ask(page, "What was the budget of the LMPP project and who funded it?")
    answer = bot(page)
    summary = answer.locator("summary")
    summary.scroll_into_view_if_needed()
    text_box = answer.locator(".answer-foot").bounding_box()
    paragraphs = answer.locator("ul, p").all()
    last_text = max(p.bounding_box()["y"] + p.bounding_box()["height"] for p in paragraphs)
    assert summary.inner_text().startswith("Sources (")
    assert 0 <= text_box["y"] - last_text < 40  # directly under the answer's last line
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390  # nothing runs off the side
    page.screenshot(path=str(ARTIFACTS / "phone-answer.png"))
    assert page.errors == [] and page.dialogs == []
    page.close()


SCREENS = ROOT / "build" / "screens"


def test_screenshots_for_the_docs(browser, app_server):
    """The README's screenshots: first load, an answer, a citation opened, a refusal and the
    filters in use, at 1400x900 and 390x844 (copied by hand into docs/screens/)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width, height, tag in ((1400, 900, "desktop"), (390, 844, "phone")):
        page = open_page(browser, app_server["url"], width, height)
        page.screenshot(path=str(SCREENS / f"{tag}-1-first-load.png"))
        ask(page, "What was the budget of the LMPP project and who funded it?")
        page.screenshot(path=str(SCREENS / f"{tag}-2-answer.png"))
        bot(page).locator("a.cite", has_text="[2]").first.click()
        page.locator("#chat .src.cited").wait_for(state="visible")
        page.screenshot(path=str(SCREENS / f"{tag}-3-citation.png"))
        new_conversation(page)
        ask(page, "Who won the 2014 World Cup?")
        bot(page).locator("summary").click()
        page.screenshot(path=str(SCREENS / f"{tag}-4-refusal.png"))
        new_conversation(page)
        choose_report(page, "LMPP")
        page.locator("#filter-chip").wait_for(state="visible")
        page.locator("#report-filter input").click()
        page.locator("#report-filter").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENS / f"{tag}-5-filters.png"))
        page.keyboard.press("Escape")
        assert page.errors == []
        page.close()
