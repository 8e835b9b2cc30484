"""The alternative the build compares against: a compact Chinese encoder trained from scratch.

A WordPiece tokenizer trained with HF tokenizers on the Mandarin training rows, and a small
BERT (4 layers, 256 hidden) trained on the Mandarin intent rows only. It is measured on the
same held-out split as the extended MiniLM; the build records both numbers in the manifest.
Shipping it would mean a second model in the layer (and no English-aligned embedding), so it
has to beat the shared model clearly to be worth it.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from cache import log
from nlu_train import IntentEncoder, pad_batch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertModel

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_tokenizer(texts: Sequence[str], vocab_size: int = 4000) -> Tokenizer:
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(handle_chinese_chars=True, lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    tokenizer.train_from_iterator(
        texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL)
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer.enable_truncation(64)
    return tokenizer


def compare(
    train_rows: Sequence[dict[str, Any]],
    heldout: Sequence[dict[str, Any]],
    labels: Sequence[str],
    work: Path,
    epochs: int = 8,
    seed: int = 13,
) -> dict[str, Any]:
    random.seed(seed)
    torch.manual_seed(seed)
    rows = [r for r in train_rows if r["lang"] == "zh"]
    tests = [r for r in heldout if r["lang"] == "zh"]
    tokenizer = train_tokenizer([r["text"] for r in rows])
    tokenizer.save(str(work / "scratch-zh-tokenizer.json"))
    config = BertConfig(  # type: ignore[no-untyped-call]
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=256,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=1024,
        max_position_embeddings=128,
    )
    bert = BertModel(config, add_pooling_layer=False)  # type: ignore[no-untyped-call]
    model = IntentEncoder(bert, len(labels))
    label_index = {label: i for i, label in enumerate(labels)}
    encoded = [e.ids for e in tokenizer.encode_batch([r["text"] for r in rows])]
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01)
    steps = math.ceil(len(rows) / 32) * epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / steps))
    started = time.perf_counter()
    order = list(range(len(rows)))
    model.train()
    for epoch in range(epochs):
        random.shuffle(order)
        for start in range(0, len(order), 32):
            batch = order[start : start + 32]
            ids, mask = pad_batch([encoded[j] for j in batch])
            logits, _ = model(ids, mask)
            loss = F.cross_entropy(logits, torch.tensor([label_index[rows[j]["intent"]] for j in batch]))
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            scheduler.step()
        log(f"nlu: scratch zh encoder epoch {epoch + 1}/{epochs} ({time.perf_counter() - started:.0f}s)")
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(tests), 64):
            chunk = tests[start : start + 64]
            ids, mask = pad_batch([e.ids for e in tokenizer.encode_batch([r["text"] for r in chunk])])
            predicted = model(ids, mask)[0].argmax(dim=1).tolist()
            correct += sum(labels[p] == r["intent"] for p, r in zip(predicted, chunk, strict=True))
    return {
        "model": "BERT 4x256 from scratch; WordPiece tokenizer (HF tokenizers) trained on the zh rows",
        "params": sum(p.numel() for p in model.parameters()),
        "vocab": tokenizer.get_vocab_size(),
        "epochs": epochs,
        "train_seconds": round(time.perf_counter() - started, 1),
        "zh_accuracy": round(correct / len(tests), 4),
        "zh_rows": len(tests),
    }
