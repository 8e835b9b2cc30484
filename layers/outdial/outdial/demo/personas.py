"""Simulated callees. Each persona answers the bot's current script node with what a real
person of that kind would say; the words are then rendered to 8 kHz μ-law phone audio, so
every simulated turn goes through ASR, intent and reply for real."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

SILENCE = ""  # the persona says nothing this turn


@dataclass(frozen=True)
class Persona:
    name: str
    description: str
    answers: dict[str, tuple[str, ...]]  # script node -> what is said on each visit
    otherwise: str  # said on a node the persona has no answer for

    def speaker(self) -> PersonaSpeaker:
        return PersonaSpeaker(self)


@dataclass
class PersonaSpeaker:
    persona: Persona
    visits: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def answer(self, node_id: str) -> str:
        lines = self.persona.answers.get(node_id)
        visit = self.visits[node_id]
        self.visits[node_id] += 1
        if not lines:
            return self.persona.otherwise
        return lines[min(visit, len(lines) - 1)]


PERSONAS: dict[str, dict[str, Persona]] = {
    "zh-loan-reminder": {
        p.name: p
        for p in [
            Persona(
                "promise",
                "本人，承诺下周五还三千",
                {"greet": ("嗯，是我，什么事？",), "disclose": ("哦，我下周五还三千吧",)},
                "好的",
            ),
            Persona(
                "hardship",
                "手头紧，协商后答应月底还一部分",
                {
                    "greet": ("对，是我",),
                    "disclose": ("最近手头特别紧，实在是没钱还",),
                    "hardship": ("那我月底先还一千吧",),
                },
                "嗯",
            ),
            Persona(
                "faq",
                "先问逾期后果，再答应明天还",
                {"greet": ("是的",), "disclose": ("逾期了会怎么样，会上征信吗", "那我明天下午三点还吧")},
                "好的",
            ),
            Persona(
                "silent_then_paid",
                "第一句没出声，然后说已经还了",
                {"greet": (SILENCE, "喂，是我"), "disclose": ("我昨天已经还过了",)},
                "嗯",
            ),
            Persona("wrong_person", "打错了", {"greet": ("你打错了，我不是他",)}, "打错了"),
            Persona("busy", "在开会", {"greet": ("我现在在开会，不方便，晚点再说吧",)}, "没空"),
            Persona("do_not_call", "要求不要再打", {"greet": ("别再给我打电话了，把我号码删掉",)}, "别打了"),
            Persona("voicemail", "运营商提示音", {"greet": ("您拨打的电话已关机",)}, "您拨打的电话已关机"),
        ]
    },
    "en-insurance-renewal": {
        p.name: p
        for p in [
            Persona(
                "convert",
                "asks the price, then renews",
                {
                    "greet": ("yeah this is him",),
                    "disclose": ("how much is it",),
                    "price": ("okay sure let's do it",),
                },
                "okay",
            ),
            Persona(
                "refuse",
                "not interested",
                {
                    "greet": ("yes speaking",),
                    "disclose": ("no thanks I'm not interested",),
                    "objection": ("no, I said no",),
                    "details": ("no thank you",),
                },
                "no",
            ),
            Persona(
                "faq",
                "asks about cover, then renews",
                {"greet": ("yes",), "disclose": ("does it cover roadside assistance", "alright, renew it")},
                "okay",
            ),
            Persona(
                "busy",
                "driving",
                {"greet": ("I'm driving right now, can you call me back later",)},
                "I'm busy",
            ),
            Persona(
                "wrong_person",
                "wrong number",
                {"greet": ("sorry, you have the wrong number",)},
                "wrong number",
            ),
            Persona(
                "do_not_call",
                "asks to be removed",
                {"greet": ("stop calling me and put me on your do not call list",)},
                "stop calling",
            ),
            Persona(
                "human",
                "wants a person",
                {"greet": ("can I talk to a real person please",)},
                "a real person please",
            ),
            Persona(
                "voicemail",
                "carrier voicemail greeting",
                {
                    "greet": (
                        "the person you are calling is not available, please leave a message after the tone",
                    )
                },
                "please leave a message after the tone",
            ),
        ]
    },
}
