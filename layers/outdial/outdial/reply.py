"""Script-governed reply generation.

The script decides the dialogue act (which node comes next); the INT8 sentence encoder ranks
the node's candidate lines and the campaign's FAQ answers against what the caller said;
slots and contact fields fill the chosen line. Compliance (verbatim) lines are never varied.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt

from outdial.models import Intent, Lang, ReplyOutput, Slots, TurnState
from outdial.script import PLACEHOLDER, SLOT_PLACEHOLDERS, Node, Script, ScriptCatalog

# Intents honoured on every node even when the script forgot them: a caller who asks not to
# be called, a voicemail greeting, a request for a person or a wrong number must never be
# talked over. Each maps to the outcome of the end node that handles it.
_GLOBAL_INTENT_OUTCOMES: dict[Intent, str] = {
    Intent.DO_NOT_CALL: "dnc",
    Intent.VOICEMAIL: "voicemail",
    Intent.REQUEST_HUMAN: "transferred",
    Intent.WRONG_PERSON: "wrong_number",
}
_FAQ_INTENTS = frozenset({Intent.ASK_PRICE, Intent.ASK_DETAIL, Intent.ASK_IDENTITY, Intent.OTHER})
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class SentenceEncoder(Protocol):
    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...  # L2-normalised rows


def speak_date(iso: str, lang: Lang) -> str:
    day = date.fromisoformat(iso)
    if lang == "zh":
        return f"{day.month}月{day.day}日"
    return f"{_MONTHS_EN[day.month - 1]} {day.day}"


def speak_time(hhmm: str, lang: Lang) -> str:
    hour, minute = (int(part) for part in hhmm.split(":"))
    if lang == "zh":
        period = "上午" if hour < 12 else "下午" if hour < 18 else "晚上"
        spoken_hour = hour if hour <= 12 else hour - 12
        return f"{period}{spoken_hour}点" + (f"{minute}分" if minute else "")
    suffix = "AM" if hour < 12 else "PM"
    spoken_hour = hour % 12 or 12
    return f"{spoken_hour}:{minute:02d} {suffix}" if minute else f"{spoken_hour} {suffix}"


def speak_amount(amount: float) -> str:
    return f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"


def slot_values(slots: Slots | None, lang: Lang) -> dict[str, str]:
    if slots is None:
        return {}
    values: dict[str, str] = {}
    if slots.date:
        values["promise_date"] = speak_date(slots.date, lang)
    if slots.time:
        values["promise_time"] = speak_time(slots.time, lang)
    if slots.amount is not None:
        values["promise_amount"] = speak_amount(slots.amount)
    return values


def fill(line: str, values: Mapping[str, str]) -> str | None:
    """The line with its placeholders filled, or None when a value is missing."""
    names = PLACEHOLDER.findall(line)
    if any(name not in values for name in names):
        return None
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], line)


def to_ssml(text: str, lang: Lang, verbatim: bool) -> str:
    body = escape(text)
    if verbatim:  # compliance text: slower, so it is heard in full
        body = f'<prosody rate="90%">{body}</prosody>'
    xml_lang = "zh-CN" if lang == "zh" else "en-US"
    return f'<speak><lang xml:lang="{xml_lang}">{body}</lang></speak>'


def opening_line(script: Script, lang: Lang, context: Mapping[str, str]) -> ReplyOutput:
    """The bot's first words on a call: the start node's first line that can be filled."""
    node = script.node(script.start)
    text = next((t for t in (fill(line, context) for line in node.say[lang]) if t is not None), None)
    if text is None:
        missing = sorted(set(PLACEHOLDER.findall(node.say[lang][0])) - set(context))
        raise ValueError(f"contact is missing field(s) {missing} used by the opening line")
    return ReplyOutput(
        text=text,
        ssml=to_ssml(text, lang, node.verbatim),
        lang=lang,
        node_id=script.start,
        source="script",
        verbatim=node.verbatim,
        compute_ms=0.0,
    )


class ReplyEngine:
    def __init__(self, catalog: ScriptCatalog, encoder: SentenceEncoder) -> None:
        self._catalog = catalog
        self._encoder = encoder
        self._faq_cache: dict[tuple[str, Lang], tuple[list[int], npt.NDArray[np.float32]]] = {}

    def warm_up(self) -> None:
        """Embed every script's FAQ questions once, at init, not on a caller's turn."""
        for script in self._catalog:
            for lang in script.languages:
                self._faq_matrix(script, lang)

    def respond(self, state: TurnState) -> ReplyOutput:
        started = time.perf_counter()
        script = self._catalog.get(state.script_id)
        node_id = state.node_id
        node = script.node(node_id)
        lang: Lang = state.lang or (state.asr.lang if state.asr else None) or script.languages[0]
        if lang not in script.languages:
            lang = script.languages[0]
        heard = state.asr.text.strip() if state.asr else ""
        values = {**state.context, **slot_values(state.nlu.slots if state.nlu else None, lang)}

        if state.asr is None or state.asr.no_speech or state.nlu is None:
            text = script.reprompt[lang]
            return self._output(text, lang, node_id, node, started, source="script", at_node=False)

        intent = state.nlu.intent
        target = self._next_node(script, node_id, node, intent)
        if target is None and intent in _FAQ_INTENTS and heard:
            answer = self._faq_answer(script, lang, heard, values)
            if answer is not None:
                return self._output(answer, lang, node_id, node, started, source="faq", at_node=False)
        target = target or node.default or node_id
        target_node = script.node(target)
        text = self._choose_line(target_node, lang, heard, values)
        return self._output(text, lang, target, target_node, started, source="script", at_node=True)

    @staticmethod
    def _next_node(script: Script, node_id: str, node: Node, intent: Intent) -> str | None:
        if intent == Intent.REPEAT:
            return node_id
        if intent in node.when:
            return node.when[intent]
        outcome = _GLOBAL_INTENT_OUTCOMES.get(intent)
        if outcome is not None:
            return next((name for name, end in script.end_nodes.items() if end.outcome == outcome), None)
        return None

    def _choose_line(self, node: Node, lang: Lang, heard: str, values: Mapping[str, str]) -> str:
        filled = [text for text in (fill(line, values) for line in node.say[lang]) if text is not None]
        if not filled:
            # The script promised a value the contact record lacks: say the line's first
            # variant with the gap spoken neutrally rather than read a raw placeholder.
            return PLACEHOLDER.sub("", node.say[lang][-1])
        if node.verbatim or len(filled) == 1 or not heard:
            return filled[0]
        # Prefer lines that use more of what the caller told us, then the closest in meaning.
        used = [
            len(set(PLACEHOLDER.findall(line)) & SLOT_PLACEHOLDERS)
            for line in node.say[lang]
            if fill(line, values) is not None
        ]
        vectors = self._encoder.embed([heard, *filled])
        similarity = vectors[1:] @ vectors[0]
        best = max(range(len(filled)), key=lambda i: (used[i], float(similarity[i])))
        return filled[best]

    def _faq_matrix(self, script: Script, lang: Lang) -> tuple[list[int], npt.NDArray[np.float32]]:
        key = (script.id, lang)
        if key not in self._faq_cache:
            owners: list[int] = []
            questions: list[str] = []
            for index, entry in enumerate(script.faq):
                for question in entry.ask.get(lang, []):
                    owners.append(index)
                    questions.append(question)
            matrix = self._encoder.embed(questions) if questions else np.zeros((0, 1), np.float32)
            self._faq_cache[key] = (owners, matrix)
        return self._faq_cache[key]

    def _faq_answer(self, script: Script, lang: Lang, heard: str, values: Mapping[str, str]) -> str | None:
        owners, matrix = self._faq_matrix(script, lang)
        if not owners:
            return None
        similarity = matrix @ self._encoder.embed([heard])[0]
        best = int(np.argmax(similarity))
        if float(similarity[best]) < script.faq_min_similarity:
            return None
        return fill(script.faq[owners[best]].answer[lang], values)

    @staticmethod
    def _output(
        text: str, lang: Lang, node_id: str, node: Node, started: float, *, source: str, at_node: bool
    ) -> ReplyOutput:
        ends = at_node and node.end
        return ReplyOutput(
            text=text,
            ssml=to_ssml(text, lang, at_node and node.verbatim),
            lang=lang,
            node_id=node_id,
            source="faq" if source == "faq" else "script",
            verbatim=at_node and node.verbatim,
            end_call=ends,
            transfer=ends and node.transfer,
            outcome=node.outcome if ends else None,
            compute_ms=(time.perf_counter() - started) * 1000,
        )
