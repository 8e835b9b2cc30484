"""Expand the hand-written templates in phrases.py into the intent training corpus.

    python infra/models/intent_data/generate.py        # writes train.jsonl and heldout.jsonl here

Deterministic (fixed seeds). The split is by *template*: about a fifth of each intent's
templates (a Mandarin/English translation pair counts as one template) go to the held-out
split and are never seen in training, in either language, so held-out accuracy measures how
well the model generalises to new phrasings, not how well it memorised the training rows.
Rows get the noise phone transcripts have: fillers (嗯, 那个, um, uh), missing punctuation,
lowercase, homophone slips, dropped or stuttered words, truncated carrier announcements.

Each row: {"text", "lang", "intent", "template", "parallel"} where "parallel" is the clean
English rendering of the same template and slot values (null when there is none): the build
distils English MiniLM sentence embeddings of it into both languages' rows.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from phrases import AMOUNTS, DATES, NAMES, ORGS, PHRASES  # noqa: E402

SEED = 20261124
HELDOUT_SHARE = 0.2
TRAIN_VARIANTS = 5
COMBINED_SHARE = 0.15  # extra training rows joining two same-intent training phrasings
HELDOUT_VARIANTS = 6
SLOT_TABLES = {"amt": AMOUNTS, "date": DATES, "name": NAMES, "org": ORGS}
PLACEHOLDER = re.compile(r"\{(amt|date|name|org)\}")

ZH_PREFIXES = ["嗯，", "呃，", "那个，", "啊，", "哦，", "喂，", "就是", "这个，", "唉，", "嗯嗯，", "呃那个"]
ZH_SUFFIXES = ["啊", "吧", "呢", "哈", "嘛", "呀", "哦"]
# Common Mandarin ASR slips: same or near-same pinyin.
ZH_HOMOPHONES = [
    ("在", "再"),
    ("再", "在"),
    ("的", "地"),
    ("他", "她"),
    ("吗", "嘛"),
    ("已经", "以经"),
    ("还钱", "换钱"),
    ("电话", "店话"),
    ("那个", "哪个"),
    ("知道", "指导"),
    ("现在", "限在"),
    ("没有", "没又"),
    ("工资", "公司"),
    ("号码", "号吗"),
    ("利息", "利系"),
    ("一下", "以下"),
]
ZH_PUNCT = re.compile(r"[，。！？、；,.!?;]")
ZH_ANNOUNCEMENT_TAILS = [
    "，sorry, the number you dialed is power off",
    "，sorry the subscriber you dialed cannot be connected for the moment",
    "，please call later",
]

EN_PREFIXES = [
    "um ",
    "uh ",
    "well ",
    "so ",
    "oh ",
    "hmm ",
    "like ",
    "look ",
    "I mean ",
    "uh well ",
    "you know ",
]
EN_SUFFIXES = [", sir", ", ma'am", " man", " honestly", " buddy"]
EN_CONTRACTIONS = [
    ("I'll", "I will"),
    ("don't", "do not"),
    ("I'm", "I am"),
    ("can't", "cannot"),
    ("you're", "you are"),
    ("what's", "what is"),
    ("it's", "it is"),
    ("I've", "I have"),
    ("doesn't", "does not"),
]
EN_HOMOPHONES = [
    (" to ", " two "),
    (" to ", " too "),
    (" your ", " you're "),
    (" there ", " their "),
    (" right", " write"),
    (" for ", " four "),
    (" hear ", " here "),
    (" wait", " weight"),
    (" by ", " buy "),
    (" through", " threw"),
    (" week", " weak"),
]
EN_DROPPABLE = {"the", "a", "just", "really", "to", "I", "you", "it", "that", "me"}


@dataclass(frozen=True)
class Template:
    intent: str
    index: int
    zh: str | None
    en: str | None

    @property
    def key(self) -> str:
        return f"{self.intent}/{self.index:02d}"


def parse_templates() -> list[Template]:
    templates: list[Template] = []
    for intent, block in PHRASES.items():
        for index, line in enumerate(row for row in block.strip().splitlines() if row.strip()):
            zh, en = (part.strip() for part in line.split(" | "))
            templates.append(Template(intent, index, None if zh == "-" else zh, None if en == "-" else en))
    return templates


def choose_heldout(templates: list[Template]) -> set[str]:
    """Per intent and per kind (pair, zh-only, en-only): a fixed random fifth, at least two."""
    heldout: set[str] = set()
    groups: dict[tuple[str, bool, bool], list[Template]] = {}
    for template in templates:
        groups.setdefault((template.intent, template.zh is not None, template.en is not None), []).append(
            template
        )
    for (intent, has_zh, has_en), members in sorted(groups.items()):
        rng = random.Random(f"{SEED}/{intent}/{has_zh}/{has_en}")
        count = max(2, round(len(members) * HELDOUT_SHARE))
        heldout.update(t.key for t in rng.sample(members, count))
    return heldout


def fill(template: Template, rng: random.Random) -> tuple[str | None, str | None]:
    """Fill placeholders with one parallel slot value each, same value in both languages."""
    picks: dict[str, int] = {}
    for source in (template.zh, template.en):
        for name in PLACEHOLDER.findall(source or ""):
            picks.setdefault(name, rng.randrange(len(SLOT_TABLES[name])))

    def render(text: str | None, side: int) -> str | None:
        if text is None:
            return None
        return PLACEHOLDER.sub(lambda m: SLOT_TABLES[m.group(1)][picks[m.group(1)]][side], text)

    return render(template.zh, 0), render(template.en, 1)


def noisy_zh(text: str, intent: str, rng: random.Random) -> str:
    if intent == "voicemail":
        # ASR often catches only part of an announcement, sometimes with the English tail.
        if rng.random() < 0.3 and len(text) > 10:
            text = text[: rng.randint(max(6, len(text) * 3 // 5), len(text))]
        elif rng.random() < 0.15:
            text += rng.choice(ZH_ANNOUNCEMENT_TAILS)
    else:
        if rng.random() < 0.35:
            text = rng.choice(ZH_PREFIXES) + text
        if rng.random() < 0.25 and not text.endswith(("？", "?")):
            text = text.rstrip("，。！") + rng.choice(ZH_SUFFIXES)
        if rng.random() < 0.05:
            text = text[0] + text
    if rng.random() < 0.2:
        options = [(a, b) for a, b in ZH_HOMOPHONES if a in text]
        if options:
            wrong, heard = rng.choice(options)
            text = text.replace(wrong, heard, 1)
    roll = rng.random()
    if roll < 0.45:
        text = ZH_PUNCT.sub("", text)
    elif roll < 0.6:
        text = ZH_PUNCT.sub(" ", text).strip()
    elif roll < 0.7 and not ZH_PUNCT.search(text[-1:]):
        text += "。"
    return text


def noisy_en(text: str, intent: str, rng: random.Random) -> str:
    if intent == "voicemail":
        if rng.random() < 0.3 and len(text) > 30:
            words = text.split()
            text = " ".join(words[: rng.randint(max(4, len(words) * 3 // 5), len(words))])
    else:
        if rng.random() < 0.35:
            text = rng.choice(EN_PREFIXES) + text
        if rng.random() < 0.1:
            text = text.rstrip(".?!") + rng.choice(EN_SUFFIXES)
    for short, long in EN_CONTRACTIONS:
        if rng.random() < 0.5:
            text = text.replace(short, long) if short in text else text.replace(long, short)
    if rng.random() < 0.15:
        options = [(a, b) for a, b in EN_HOMOPHONES if a in f" {text} "]
        if options:
            wrong, heard = rng.choice(options)
            text = f" {text} ".replace(wrong, heard, 1).strip()
    words = text.split()
    if rng.random() < 0.12 and len(words) > 3:
        droppable = [i for i, w in enumerate(words) if w.strip(",.?!") in EN_DROPPABLE]
        if droppable:
            del words[rng.choice(droppable)]
    if rng.random() < 0.05 and len(words) > 1:
        words.insert(0, words[0])
    text = " ".join(words)
    roll = rng.random()
    if roll < 0.6:  # ASR style: lowercase, no punctuation, sometimes no apostrophes either
        text = re.sub(r"[,.?!;:]", "", text.lower())
        if rng.random() < 0.3:
            text = text.replace("'", "")
    elif roll < 0.75:
        text = text[0].upper() + text[1:]
        if not text.endswith(("?", ".", "!")):
            text += "?" if intent.startswith("ask") or intent == "repeat" else "."
    return re.sub(r"\s+", " ", text).strip()


def expand(template: Template, variants: int, rng: random.Random) -> list[dict[str, str | None]]:
    rows: list[dict[str, str | None]] = []
    seen: set[tuple[str, str]] = set()
    for attempt in range(variants * 3):
        zh, en = fill(template, rng)
        for lang, text in (("zh", zh), ("en", en)):
            if text is None:
                continue
            # The first variant of each template is its clean form.
            noisy = (
                text if attempt == 0 else (noisy_zh if lang == "zh" else noisy_en)(text, template.intent, rng)
            )
            if (lang, noisy) in seen or sum(1 for key in seen if key[0] == lang) >= variants:
                continue
            seen.add((lang, noisy))
            rows.append(
                {
                    "text": noisy,
                    "lang": lang,
                    "intent": template.intent,
                    "template": template.key,
                    "parallel": en,
                }
            )
    return rows


def build_corpus() -> dict[str, list[dict[str, str | None]]]:
    templates = parse_templates()
    heldout = choose_heldout(templates)
    splits: dict[str, list[dict[str, str | None]]] = {"train": [], "heldout": []}
    for template in templates:
        split = "heldout" if template.key in heldout else "train"
        # Seed per template (stable string hash) so editing one template does not reshuffle all.
        seed = int(hashlib.sha256(f"{SEED}/{template.key}".encode()).hexdigest()[:8], 16)
        variants = HELDOUT_VARIANTS if split == "heldout" else TRAIN_VARIANTS
        splits[split].extend(expand(template, variants, random.Random(seed)))
    splits["train"].extend(combined_rows(splits["train"], random.Random(SEED)))
    return splits


def combined_rows(rows: list[dict[str, str | None]], rng: random.Random) -> list[dict[str, str | None]]:
    """Callers often say two things at once ("不用了，我不需要", "I'm driving, call me later").

    Joins two training rows of the same intent and language (never across splits).
    """
    by_key: dict[tuple[str | None, str | None], list[dict[str, str | None]]] = {}
    for row in rows:
        if row["intent"] not in {"voicemail", "other"}:
            by_key.setdefault((row["lang"], row["intent"]), []).append(row)
    extra: list[dict[str, str | None]] = []
    for (lang, _intent), members in sorted(by_key.items(), key=lambda item: str(item[0])):
        for _ in range(int(len(members) * COMBINED_SHARE)):
            first, second = rng.sample(members, 2)
            if first["template"] == second["template"]:
                continue
            joiner = rng.choice(["，", " ", ""]) if lang == "zh" else rng.choice([", ", " ", " and "])
            text = f"{first['text']}{joiner}{second['text']}"
            extra.append(
                {
                    **first,
                    "text": text,
                    "template": f"{first['template']}+{second['template']}",
                    "parallel": None,
                }
            )
    return extra


def main() -> None:
    for split, rows in build_corpus().items():
        path = HERE / f"{split}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        counts = {lang: sum(1 for r in rows if r["lang"] == lang) for lang in ("zh", "en")}
        print(f"{path.name}: {len(rows)} rows {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
