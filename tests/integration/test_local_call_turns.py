"""End to end in local mode: CallService → the deployed ASL (local interpreter) → the real
ASR, intent and reply stages with the real INT8 models → SQLite. Nothing is faked."""

from __future__ import annotations

import pytest
from outdial.artifacts import models_root
from outdial.config import Settings
from outdial.wiring import call_service

pytestmark = pytest.mark.skipif(
    not all((models_root() / role / "manifest.json").is_file() for role in ("asr", "nlu")),
    reason="models not built (make models builds them; make test does it first)",
)

ZH_CONTEXT = {"name": "王先生", "lender": "安心借", "amount": "3000", "due_date": "11月30日"}
EN_CONTEXT = {"name": "Jordan", "insurer": "Harbor Mutual", "premium": "842", "expiry_date": "December 15"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    return call_service(settings)


def speak(text: str, lang: str) -> bytes:
    from outdial.audio.tts import espeak_available, render_phone_audio

    if not espeak_available():
        pytest.skip("espeak-ng not installed (make test installs it)")
    return render_phone_audio(text, lang)  # type: ignore[arg-type]


def test_an_english_call_is_heard_understood_and_converted(service) -> None:  # type: ignore[no-untyped-def]
    call, _ = service.start_call("it", "en-0", "+14155550100", "en-insurance-renewal", "en", EN_CONTEXT)
    service._store.put_call(call.model_copy(update={"node_id": "disclose"}))  # past the greeting
    price = service.take_turn(call.call_id, speak("how much is it", "en"))
    assert price.transcript.lower().startswith("how much is it")
    assert price.intent == "ask_price" and price.node_after == "price" and "842" in price.reply_text
    done = service.take_turn(call.call_id, speak("okay sure, let's do it", "en"))
    assert done.intent == "affirm" and done.end_call and done.outcome == "converted"
    stored = service.list_turns(call.call_id)
    assert [t.turn_index for t in stored] == [0, 1] and stored[1].cost is not None
    assert service.get_call(call.call_id).outcome == "converted"


def test_a_mandarin_turn_runs_every_stage_and_follows_the_script(service) -> None:  # type: ignore[no-untyped-def]
    # espeak-ng's Mandarin voice is hard to understand even for Whisper, so this checks the
    # pipeline's wiring (language, stages, script transition), not recognition accuracy.
    from outdial.script import ScriptCatalog

    call, _ = service.start_call("it", "zh-1", "+8613800138001", "zh-loan-reminder", "zh", ZH_CONTEXT)
    turn = service.take_turn(call.call_id, speak("对，我就是本人", "zh"))
    assert turn.lang == "zh" and turn.transcript and not turn.fallback
    assert turn.intent is not None and {"asr", "intent", "reply"} <= set(turn.timings_ms)
    greet = ScriptCatalog.from_dirs().get("zh-loan-reminder").node("greet")
    assert turn.node_after in {greet.when.get(turn.intent, greet.default), "greet"}
    assert service.list_turns(call.call_id)[0].turn_id == turn.turn_id


def test_an_english_do_not_call_request_ends_the_call(service) -> None:  # type: ignore[no-untyped-def]
    call, _ = service.start_call("it", "en-1", "+14155550101", "en-insurance-renewal", "en", EN_CONTEXT)
    turn = service.take_turn(call.call_id, speak("please stop calling me", "en"))
    assert turn.intent == "do_not_call" and turn.outcome == "dnc" and turn.end_call


def test_unreadable_audio_gets_the_fallback_line_and_is_persisted(service) -> None:  # type: ignore[no-untyped-def]
    call, _ = service.start_call("it", "en-2", "+14155550102", "en-insurance-renewal", "en", EN_CONTEXT)
    turn = service.take_turn(call.call_id, b"RIFF\x00\x00garbage", encoding="wav")
    assert turn.fallback and turn.error == "AudioDecodeError"
    assert turn.reply_text == "Sorry, I didn't catch that. Could you say that again?"
    assert service.list_turns(call.call_id)[0].error == "AudioDecodeError"
    assert service.get_call(call.call_id).status == "in_progress"  # the caller gets another chance


def test_silence_gets_a_reprompt_without_an_intent_call(service) -> None:  # type: ignore[no-untyped-def]
    call, _ = service.start_call("it", "zh-2", "+8613800138002", "zh-loan-reminder", "zh", ZH_CONTEXT)
    turn = service.take_turn(call.call_id, b"\xff" * 12000)
    assert turn.intent is None and not turn.fallback
    assert turn.reply_text == "喂，您好，请问能听到我说话吗？" and turn.node_after == "greet"
