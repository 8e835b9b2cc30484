"""The campaign report renders in headless Chromium: the screenshot is not blank and the page
logs no console error or exception.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``:
JSON messages, NUL-terminated, on fds 3 and 4) — no port, no websocket library, and the
console events come from the protocol itself rather than from parsing log text.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from outdial.billing.cost import FunctionSizing, cost_call, cost_turn, turn_usage_from_timings
from outdial.billing.prices import shipped_table
from outdial.billing.report import build_report, write_report
from outdial.models import CallRecord, Slots, TurnRecord

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (make test installs Debian's chromium package)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]


class DevTools:
    """A minimal DevTools-protocol client over Chromium's pipe."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds() -> None:  # the browser reads commands on fd 3 and writes on fd 4
            reading, writing = os.dup(to_browser_r), os.dup(from_browser_w)  # never clobber each other
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        assert CHROMIUM is not None
        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds,
            pass_fds=(3, 4),  # kept open in the child after wire_fds placed the pipes there
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._to_browser, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + 30
        while True:
            message = self._read_message(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            message = self._read_message(deadline)
            self.events.append(message)
            if message.get("method") == method:
                return message

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def render(url: str) -> tuple[bytes, list[str]]:
    """Load ``url``; return a full-page PNG screenshot and every console error or exception."""
    with tempfile.TemporaryDirectory(prefix="outdial-chromium-") as profile:
        tools = DevTools(Path(profile))
        try:
            target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                tools.send(f"{domain}.enable", session=session)
            tools.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
                session=session,
            )
            tools.send("Page.navigate", {"url": url}, session=session)
            tools.wait_for("Page.loadEventFired")
            shot = tools.send(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session
            )
            errors = [
                json.dumps(e["params"])[:500]
                for e in tools.events
                if e.get("method") == "Runtime.exceptionThrown"
                or (
                    e.get("method") == "Runtime.consoleAPICalled"
                    and e["params"].get("type") in ("error", "assert")
                )
                or (e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")
            ]
            return base64.b64decode(shot["data"]), errors
        finally:
            tools.close()


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered RGB(A) rows of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
    channels = 4 if color == 6 else 3
    stride = width * channels
    raw = zlib.decompress(idat)
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            upper_left = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - upper_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                line[x] = (line[x] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def ink(png: bytes) -> tuple[float, int]:
    """Share of non-white pixels and the number of distinct colours (sampled)."""
    width, _, rows = decode_png(png)
    channels = len(rows[0]) // width
    inked, colours, sampled = 0, set(), 0
    for row in rows[::2]:
        for x in range(0, width * channels, channels * 2):
            pixel = row[x : x + 3]
            sampled += 1
            colours.add(pixel)
            if min(pixel) < 235:
                inked += 1
    return inked / sampled, len(colours)


def sample_report(tmp_path: Path) -> Path:
    prices = shipped_table()
    sizing = FunctionSizing()
    outcomes = ["converted", "converted", "refused", "callback", "no_answer", "dnc", "converted", "voicemail"]
    calls, turns, costs = [], {}, []
    for index, outcome in enumerate(outcomes):
        answered = outcome not in ("no_answer", "voicemail")
        call = CallRecord(
            call_id=f"call-{index}",
            campaign_id="camp-report",
            contact_id=f"contact-{index}",
            phone="+14155550100",
            lang="en",
            script_id="en-insurance-renewal",
            status="completed",
            outcome=outcome,  # type: ignore[arg-type]
            node_id="end",
            started_at="2026-11-24T09:00:00+00:00",
            turns=2 if answered else 0,
        )
        records = [
            TurnRecord(
                call_id=call.call_id,
                turn_id=f"{call.call_id}-{t}",
                turn_index=t,
                campaign_id=call.campaign_id,
                node_before="greet",
                node_after="end",
                lang="en",
                transcript="yes",
                intent=None,
                confidence=None,
                slots=Slots(),
                reply_text="Thank you.",
                reply_source="script",
                fallback=False,
                error=None,
                error_cause=None,
                timings_ms={"asr": 500.0 + 40 * index, "intent": 20.0 + t, "reply": 30.0, "workflow": 700.0},
                started_at=call.started_at,
            )
            for t in range(call.turns)
        ]
        turn_costs = [
            cost_turn(turn_usage_from_timings(r.timings_ms, sizing, 40_000), prices) for r in records
        ]
        costs.append(
            cost_call(
                call.call_id,
                call.campaign_id,
                outcome,
                turn_costs,
                Decimal(60 if answered else 0),
                200,
                prices,
            )
        )
        calls.append(call)
        turns[call.call_id] = records
    data = build_report(
        "camp-report", calls, turns, costs, ["converted"], prices.version, {"dnc_list": 3, "outside_hours": 1}
    )
    return write_report(data, tmp_path / "report.html")


def test_the_campaign_report_draws_in_headless_chromium_without_console_errors(tmp_path: Path) -> None:
    png, errors = render(sample_report(tmp_path).as_uri())
    assert errors == []
    (tmp_path / "report.png").write_bytes(png)
    coverage, colours = ink(png)
    assert coverage > 0.03, f"only {coverage:.1%} of the page has ink: the report did not draw"
    assert colours > 20  # text and every chart colour, not a flat fill


def test_the_harness_does_see_console_errors_and_blank_pages(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>console.error('boom'); undefinedCall();</script></body></html>")
    png, errors = render(broken.as_uri())
    assert len(errors) >= 2 and any("boom" in e for e in errors)
    coverage, _ = ink(png)
    assert coverage < 0.001
