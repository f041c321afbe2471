"""The web page end to end in a real browser: Debian's chromium driven by Playwright.

Keyboard first: the hour is walked with keys wherever a person would. Screenshots go to
artifacts/screenshots/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import missing
from tests.server.conftest import CANARIES, LiveServer

from confidante import Settings
from confidante.server import Limits, create_app

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1200, "height": 900}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """A server of the browser tests' own, so its session count is theirs alone; set up as
    ``confidante serve`` is by default, with the listener in the server process."""
    app = create_app(Settings(locale="en_GB", metrics_token="t"), limits=Limits.unbounded())
    with LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium (never a downloaded one)."""
    if not Path(CHROMIUM).exists():
        missing(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed (pip install -e '.[dev]')")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


class Watch:
    """A page with what it logged and requested, for checks on CSP and third parties."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.console: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("request", lambda r: self.requests.append(r.url))

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / name), full_page=True)

    def open_sessions(self, server: LiveServer) -> int:
        """Sessions open on the server, from its metrics (Playwright holds this thread's loop)."""
        text = httpx.get(server.url + "/metrics", headers={"Authorization": "Bearer t"}).text
        found = re.search(r"^confidante_sessions_open (\S+)$", text, re.MULTILINE)
        assert found is not None
        return int(float(found.group(1)))


@pytest.fixture
def watch(browser: Any, server: LiveServer) -> Iterator[Watch]:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    yield Watch(page, server.url)
    context.close()


def begin_and_start(watch: Watch, relief_steps: int | None = 7) -> None:
    """Open the page, begin with the keyboard and answer (or skip) the first check."""
    page = watch.page
    page.goto(watch.base + "/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'begin'")
    page.keyboard.press("Enter")
    page.locator("#relief-before").wait_for(state="visible")
    if relief_steps is None:
        page.get_by_role("button", name="Skip").first.click()
    else:
        for _ in range(relief_steps):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    page.locator("#log li").nth(1).wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'message'")


def send(watch: Watch, text: str) -> str:
    """Type a message, press Enter, and return the listener's reply."""
    page = watch.page
    before = page.locator("#log li.listener").count()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.locator("#log li.listener").nth(before).wait_for()
    return str(page.locator("#log li.listener").nth(before).inner_text())


def nothing_kept(page: Any) -> None:
    kept = page.evaluate(
        """async () => ({
            local: localStorage.length,
            session: sessionStorage.length,
            cookie: document.cookie,
            dbs: indexedDB.databases ? (await indexedDB.databases()).length : 0,
            globals: Object.keys(window).filter(k => /token/i.test(k)),
        })"""
    )
    assert kept == {"local": 0, "session": 0, "cookie": "", "dbs": 0, "globals": []}


def test_a_whole_hour_with_the_keyboard(watch: Watch, server: LiveServer) -> None:
    page = watch.page
    page.goto(watch.base + "/")
    assert "not a therapist and not a person" in page.locator("#notice").inner_text()
    watch.shot("01-welcome-phone.png")
    begin_and_start(watch, relief_steps=7)
    assert "AI" in page.locator("#log li").first.inner_text()
    assert re.match(r"About \d+ minutes left", page.locator("#timer").inner_text())
    reply = send(watch, f"My friend {CANARIES[0]} stopped answering my messages.")
    assert reply.strip()
    send(watch, "I feel so alone in the evenings.")
    assert page.locator("#heard").get_attribute("aria-live") == "polite"
    nothing_kept(page)
    watch.shot("02-chat-phone.png")
    page.set_viewport_size(DESKTOP)
    watch.shot("03-chat-desktop.png")
    page.set_viewport_size(PHONE)
    page.locator("#end").focus()
    page.keyboard.press("Enter")
    page.locator("#remember").wait_for(state="visible")
    assert page.locator("#note").input_value().strip()
    watch.shot("04-remember-phone.png")
    page.locator("#no-thanks").click()
    page.locator("#relief-after").wait_for(state="visible")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator("#goodbye").wait_for(state="visible")
    farewell = page.locator("#farewell").inner_text()
    assert "7" in farewell and "4" in farewell
    watch.shot("05-goodbye-phone.png")
    # Nothing of the conversation is left: not in storage, not on the page.
    nothing_kept(page)
    assert CANARIES[0] not in page.content()
    assert page.locator("#log li").count() == 0
    assert watch.open_sessions(server) == 0
    assert not [c for c in watch.console if "Content Security Policy" in c or "error" in c]
    third_party = [u for u in watch.requests if not u.startswith(watch.base)]
    assert third_party == []


def test_being_remembered_from_the_page(watch: Watch) -> None:
    page = watch.page
    begin_and_start(watch, relief_steps=None)
    send(watch, f"My sister {CANARIES[1]} moved away and I miss her.")
    page.locator("#end").click()
    page.locator("#remember").wait_for(state="visible")
    page.locator("#note").fill("We talked about my sister moving away.")
    page.locator("#keep-themes").check()
    page.locator("#remember-form button[type=submit]").click()
    kept = page.locator("#kept")
    kept.wait_for(state="visible")
    text = kept.inner_text()
    assert "Your handle is" in text and "recovery phrase" in text.lower()
    watch.shot("06-remembered-phone.png")
    page.locator("#relief-after").get_by_role("button", name="Skip").click()
    page.locator("#goodbye").wait_for(state="visible")
    assert page.locator("#kept").inner_text() == ""


def quick_exit_leaves(watch: Watch, server: LiveServer) -> None:
    page = watch.page
    page.wait_for_url(watch.base + "/weather")
    assert page.title() == "Weather"
    assert CANARIES[2] not in page.content()
    page.wait_for_function("true")
    for _ in range(50):
        if watch.open_sessions(server) == 0:
            break
        page.wait_for_timeout(50)
    assert watch.open_sessions(server) == 0
    # The chat was replaced in history, so Back does not bring it back.
    page.go_back()
    assert CANARIES[2] not in page.content()


def test_quick_exit_button(watch: Watch, server: LiveServer) -> None:
    begin_and_start(watch, relief_steps=None)
    send(watch, f"My partner {CANARIES[2]} checks my phone every night.")
    # The gauge is coarse (rounded up to tens), but this server's own sessions are the only ones:
    # one open reads as 10, none as 0.
    assert watch.open_sessions(server) == 10
    watch.page.locator("#quick-exit").click()
    quick_exit_leaves(watch, server)
    watch.shot("07-after-quick-exit.png")


def test_escape_twice_is_a_quick_exit_and_once_is_not(watch: Watch, server: LiveServer) -> None:
    begin_and_start(watch, relief_steps=3)
    send(watch, f"My partner {CANARIES[2]} is angry again.")
    page = watch.page
    page.keyboard.press("Escape")
    page.wait_for_timeout(1700)  # a lone Escape, then a pause: nothing happens
    assert page.url == watch.base + "/"
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    quick_exit_leaves(watch, server)


def test_the_page_is_labelled_and_fits_a_phone(watch: Watch) -> None:
    page = watch.page
    response = page.goto(watch.base + "/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    begin_and_start(watch, relief_steps=None)
    problems = page.evaluate(
        """() => {
        const out = [];
        const named = (el) => {
          if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return true;
          if (el.id && document.querySelector(`label[for="${el.id}"]`)) return true;
          return Boolean(el.closest('label'));
        };
        for (const el of document.querySelectorAll('input, textarea, select')) {
          if (!named(el)) out.push('unlabelled ' + el.outerHTML.slice(0, 60));
        }
        for (const el of document.querySelectorAll('button')) {
          if (!(el.textContent.trim() || el.getAttribute('aria-label'))) out.push('unnamed button');
        }
        for (const el of document.querySelectorAll('img')) {
          if (!el.hasAttribute('alt')) out.push('img without alt');
        }
        for (const el of document.querySelectorAll('script:not([src])')) out.push('inline script');
        for (const el of document.querySelectorAll('*')) {
          for (const a of el.getAttributeNames()) {
            if (a.startsWith('on') || a === 'style') out.push(`inline ${a} on ${el.tagName}`);
          }
        }
        for (const el of document.querySelectorAll('fieldset')) {
          if (!el.querySelector('legend')) out.push('fieldset without legend');
        }
        if (document.documentElement.lang !== 'en') out.push('no lang');
        if (document.querySelectorAll('h1').length !== 1) out.push('not one h1');
        if (document.documentElement.scrollWidth > window.innerWidth) out.push('scrolls sideways');
        return out;
    }"""
    )
    assert problems == []
    # Keyboard first: the quick exit is the first thing Tab reaches from the top.
    page.locator("h1").click()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quick-exit"


def in_view(page: Any, selector: str) -> bool:
    """Whether the element is wholly inside the visible window."""
    return bool(page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                      return r.top >= 0 && r.bottom <= window.innerHeight; }""",
        selector,
    ))


def test_the_message_box_stays_in_view_after_ten_replies_on_a_phone(watch: Watch) -> None:
    page = watch.page
    begin_and_start(watch, relief_steps=None)
    lines = ["My sister moved to another city last spring.", "We used to walk by the river.",
             "Now the evenings feel long.", "Work is fine, mostly.", "I cook for one now.",
             "Sometimes I call her but she is busy.", "I miss the walks most of all.",
             "My neighbour waves at me.", "I started reading again.", "It helps a little."]
    for line in lines:
        send(watch, line)
        assert in_view(page, "#message"), "the message box scrolled below the screen"
        assert page.evaluate("document.activeElement.id") == "message"
    watch.shot("ten-replies-phone.png")
    # The log scrolled, not the page: the newest reply is visible inside it.
    assert in_view(page, "#log li.listener:last-child")
    # Only the listener's words go to the live region, never the person's own.
    assert page.locator("#log").get_attribute("aria-live") is None
    assert page.locator("#heard").inner_text() == page.locator(
        "#log li.listener:last-child p").inner_text()


@pytest.fixture(scope="module")
def tight_server() -> Iterator[LiveServer]:
    """A server that takes two turns at once and then asks the page to wait (429)."""
    from dataclasses import replace

    from confidante.server.limits import Rate

    limits = replace(Limits.unbounded(), turns=Rate(per_minute=0.5, burst=2))
    app = create_app(Settings(locale="en_GB", metrics_token="t"), limits=limits)
    with LiveServer(app) as live:
        yield live


def test_a_send_during_a_429_keeps_its_text_and_says_not_sent(
    browser: Any, tight_server: LiveServer
) -> None:
    context = browser.new_context(viewport=PHONE)
    try:
        watch = Watch(context.new_page(), tight_server.url)
        page = watch.page
        begin_and_start(watch, relief_steps=None)
        text = "I wanted to tell you about my brother."
        for _ in range(4):  # the third turn or so runs into the limit
            before = page.locator("#log li.listener").count()
            page.keyboard.type(text)
            page.keyboard.press("Enter")
            # The page's CSP forbids a string predicate, so poll from here.
            for _ in range(200):
                if page.locator("#log li.unsent").count() or (
                    page.locator("#log li.listener").count() > before
                ):
                    break
                page.wait_for_timeout(50)
            if page.locator("#log li.unsent").count():
                break
        unsent = page.locator("#log li.unsent")
        assert unsent.count() == 1
        assert "Not sent — try again." in unsent.inner_text()
        assert page.locator("#message").input_value() == text  # the text is still in the box
        note = page.locator("#send-note")
        assert note.is_visible() and "Wait" in note.inner_text()
        assert in_view(page, "#send-note") and in_view(page, "#message")
        watch.shot("not-sent-phone.png")
    finally:
        context.close()


def test_a_skip_link_leads_past_the_header(watch: Watch) -> None:
    page = watch.page
    page.goto(watch.base + "/")
    page.locator("h1").click()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    assert page.evaluate("document.activeElement.textContent") == "Skip to the conversation"
