"""Chatwoot's dashboard app in a real browser: a stand-in for Chatwoot's conversation view frames
the panel, answers its 'chatwoot-dashboard-app:fetch-info' with the documented appContext event,
and the panel shows the coach's suggestion."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import uvicorn

from assistant.service.app import create_app
from benchmarks.team import free_port, wait_for_port
from tests.conftest import isolated_settings
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, LOCAL

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TOKEN = "panel-token"
CONVERSATION = {"id": 42, "messages": [
    {"id": 1, "content": "ההזמנה שלי מתעכבת כבר שבועיים ואף אחד לא עונה לי!", "message_type": 0,
     "private": False, "created_at": 1_764_000_000},
    {"id": 2, "content": "internal: VIP customer", "message_type": 1, "private": True,
     "created_at": 1_764_000_010},
    {"id": 3, "content": "Conversation was assigned to John", "message_type": 2,
     "private": False, "created_at": 1_764_000_020},
]}
HOST = """<!doctype html><html><body>
<iframe id="app" src="%s" style="width:420px;height:700px"></iframe>
<script>
  window.asked = 0;
  window.addEventListener("message", (event) => {
    if (event.data !== "chatwoot-dashboard-app:fetch-info") return;
    window.asked += 1;
    const context = {event: "appContext", data: {conversation: %s,
                     contact: {id: 7, name: "Dana"}, currentAgent: {id: 1, name: "John"}}};
    document.getElementById("app").contentWindow.postMessage(JSON.stringify(context), "*");
  });
</script></body></html>"""


@pytest.fixture
def served(coach_home: Path, coach) -> Iterator[str]:
    if not CHROMIUM.is_file():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    port = free_port()
    app = create_app(isolated_settings(coach_home, api_tokens=[TOKEN]), coach=coach)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


def test_dashboard_app_shows_the_suggestion(served: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 460, "height": 760})
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(LOCAL) else outside.append(r.url))
        host = HOST % (f"{served}/v1/chatwoot/panel?token={TOKEN}", json.dumps(CONVERSATION))
        with _chatwoot_page(host) as chatwoot:  # Chatwoot's page, on an origin of its own
            page.goto(chatwoot)
            _check_panel(page)
        page.screenshot(path=str(tmp_path / "chatwoot-panel.png"))
        browser.close()
    assert outside == []


@contextmanager
def _chatwoot_page(html: str) -> Iterator[str]:
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/app/accounts/1/conversations/42"
    finally:
        server.shutdown()
        server.server_close()


def _check_panel(page) -> None:
    frame = page.frame_locator("#app")
    frame.locator("#card").wait_for(state="visible", timeout=60_000)
    reply = frame.locator("#reply").inner_text()
    assert reply.strip() and any("\u0590" <= ch <= "\u05ff" for ch in reply)  # Hebrew
    assert "rule " in frame.locator("#offer").inner_text()
    assert frame.locator("#practices li").count() >= 1
    assert page.evaluate("window.asked") == 1
    frame.locator("#refresh").click()
    deadline = time.monotonic() + 10
    while page.evaluate("window.asked") < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert page.evaluate("window.asked") == 2
