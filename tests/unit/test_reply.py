from __future__ import annotations

import base64
from typing import Any

import pytest
from outdial.models import TurnState
from outdial.reply import ReplyEngine, opening_line, speak_amount, speak_date, speak_time, to_ssml
from outdial.script import ScriptCatalog

from tests.fakes import CharNgramEncoder

ZH_CONTEXT = {"name": "王先生", "lender": "安心借", "amount": "3000", "due_date": "11月30日"}
EN_CONTEXT = {"name": "Jordan", "insurer": "Harbor Mutual", "premium": "842", "expiry_date": "December 15"}


@pytest.fixture(scope="module")
def engine() -> ReplyEngine:
    reply_engine = ReplyEngine(ScriptCatalog.from_dirs(), CharNgramEncoder())
    reply_engine.warm_up()
    return reply_engine


def state(
    script: str,
    node: str,
    text: str,
    intent: str | None,
    lang: str = "zh",
    slots: dict[str, Any] | None = None,
    no_speech: bool = False,
) -> TurnState:
    context = ZH_CONTEXT if lang == "zh" else EN_CONTEXT
    return TurnState.model_validate(
        {
            "call_id": "c",
            "turn_id": "t",
            "turn_index": 1,
            "campaign_id": "k",
            "script_id": script,
            "node_id": node,
            "lang": lang,
            "context": context,
            "audio": {"b64": base64.b64encode(b"\xff").decode()},
            "asr": {
                "text": text,
                "lang": lang,
                "audio_ms": 1000,
                "speech_ms": 800,
                "compute_ms": 5,
                "no_speech": no_speech,
            },
            "nlu": None
            if intent is None
            else {"intent": intent, "confidence": 0.9, "compute_ms": 1, "slots": slots or {}},
        }
    )


def test_affirm_moves_to_the_verbatim_compliance_line(engine: ReplyEngine) -> None:
    reply = engine.respond(state("zh-loan-reminder", "greet", "是我", "affirm"))
    assert reply.node_id == "disclose" and reply.verbatim
    assert (
        reply.text
        == "温馨提示：您本期应还金额为3000元，还款日为11月30日。本通话可能被录音。请问您今天能按时还款吗？"
    )
    assert "<prosody" in reply.ssml and not reply.end_call


def test_promise_with_slots_picks_the_line_that_uses_them(engine: ReplyEngine) -> None:
    reply = engine.respond(
        state(
            "zh-loan-reminder",
            "disclose",
            "我下周五还三千",
            "promise_to_pay",
            slots={"date": "2026-12-04", "amount": 3000},
        )
    )
    assert reply.text.startswith("好的，已为您记录：12月4日还款3,000元")
    assert reply.end_call and reply.outcome == "promised_to_pay"


def test_promise_without_amount_uses_a_line_it_can_fill(engine: ReplyEngine) -> None:
    reply = engine.respond(
        state("zh-loan-reminder", "disclose", "下周五吧", "promise_to_pay", slots={"date": "2026-12-04"})
    )
    assert "{" not in reply.text and "12月4日" in reply.text


def test_do_not_call_is_honoured_even_where_the_node_forgot_it(engine: ReplyEngine) -> None:
    reply = engine.respond(state("zh-loan-reminder", "confirm_promise", "别打了", "do_not_call"))
    assert reply.outcome == "dnc" and reply.end_call


def test_repeat_says_the_current_node_again(engine: ReplyEngine) -> None:
    reply = engine.respond(state("en-insurance-renewal", "price", "sorry what", "repeat", lang="en"))
    assert reply.node_id == "price" and "842" in reply.text


def test_a_question_the_node_does_not_handle_is_answered_from_the_faq(engine: ReplyEngine) -> None:
    reply = engine.respond(state("zh-loan-reminder", "disclose", "逾期了会怎么样", "other"))
    assert reply.source == "faq" and "罚息" in reply.text and reply.node_id == "disclose"


def test_no_speech_reprompts_without_moving(engine: ReplyEngine) -> None:
    reply = engine.respond(state("en-insurance-renewal", "greet", "", None, lang="en", no_speech=True))
    assert reply.text == "Hello? Can you hear me?" and reply.node_id == "greet"


def test_unhandled_intent_follows_the_node_default(engine: ReplyEngine) -> None:
    reply = engine.respond(
        state("en-insurance-renewal", "disclose", "hmm the weather is nice", "other", lang="en")
    )
    assert reply.node_id == "details" and reply.source == "script"


def test_opening_line_fills_contact_fields_or_names_the_missing_one() -> None:
    script = ScriptCatalog.from_dirs().get("zh-loan-reminder")
    assert opening_line(script, "zh", ZH_CONTEXT).text == "您好，这里是安心借客服中心，请问是王先生本人吗？"
    with pytest.raises(ValueError, match="lender"):
        opening_line(script, "zh", {"name": "王先生"})


def test_spoken_forms() -> None:
    assert speak_date("2026-12-04", "zh") == "12月4日" and speak_date("2026-12-04", "en") == "December 4"
    assert speak_time("15:30", "zh") == "下午3点30分" and speak_time("15:00", "en") == "3 PM"
    assert speak_amount(2500.0) == "2,500" and speak_amount(99.5) == "99.50"
    assert to_ssml("A & B", "en", False) == '<speak><lang xml:lang="en-US">A &amp; B</lang></speak>'
