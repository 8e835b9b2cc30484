"""Fine-tune MiniLM (extended vocabulary) into a bilingual intent classifier + sentence encoder.

Losses, per batch:
  * cross-entropy on the 15 intents (small MLP head on the mean-pooled hidden states);
  * embedding distillation: 1 - cos(student(row), teacher(English parallel)) where the teacher
    is the frozen original all-MiniLM-L6-v2. English rows keep the teacher's geometry (so the
    embedding stays a general sentence embedding), Mandarin rows are pulled onto the teacher
    embedding of their English translation, so Mandarin paraphrases land close together and
    close to their English meaning (multilingual knowledge distillation, Reimers & Gurevych 2020).
The original English WordPiece rows are frozen; only the appended character rows, the
transformer layers and the head learn.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from cache import log
from tokenizers import Tokenizer
from torch import nn
from transformers import BertModel


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 5
    batch_size: int = 32
    lr_encoder: float = 8e-5
    lr_new_rows: float = 3e-3
    lr_head: float = 1e-3
    warmup_share: float = 0.06
    distill_weight: float = 2.0
    label_smoothing: float = 0.05
    unk_dropout: float = 0.03  # teaches the encoder what an unknown (rare) character looks like
    seed: int = 13

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class IntentEncoder(nn.Module):
    """input_ids, attention_mask -> (intent logits, L2-normalised mean-pooled embedding)."""

    def __init__(self, bert: BertModel, num_labels: int) -> None:
        super().__init__()
        self.bert = bert
        hidden = int(bert.config.hidden_size)
        self.head = nn.Sequential(
            nn.Dropout(0.1), nn.Linear(hidden, 256), nn.GELU(), nn.Linear(256, num_labels)
        )

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=torch.zeros_like(input_ids)
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return self.head(pooled), F.normalize(pooled, p=2.0, dim=1)


def pad_batch(encodings: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(ids) for ids in encodings)
    ids = torch.zeros((len(encodings), width), dtype=torch.long)
    mask = torch.zeros((len(encodings), width), dtype=torch.long)
    for row, tokens in enumerate(encodings):
        ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
        mask[row, : len(tokens)] = 1
    return ids, mask


@torch.no_grad()
def teacher_embeddings(base_dir: Path, texts: Sequence[str]) -> dict[str, torch.Tensor]:
    """all-MiniLM-L6-v2's own sentence embeddings (mean pooling + L2), the distillation targets."""
    teacher = BertModel.from_pretrained(str(base_dir)).eval()
    tokenizer = Tokenizer.from_file(str(base_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(128)
    unique = sorted(set(texts))
    out: dict[str, torch.Tensor] = {}
    for start in range(0, len(unique), 64):
        chunk = unique[start : start + 64]
        ids, mask = pad_batch([e.ids for e in tokenizer.encode_batch(chunk)])
        hidden = teacher(
            input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
        ).last_hidden_state
        weights = mask.unsqueeze(-1).float()
        pooled = F.normalize((hidden * weights).sum(1) / weights.sum(1), dim=1)
        out.update(zip(chunk, pooled, strict=True))
    return out


class ExtendedEmbedding(nn.Module):
    """The base vocabulary's rows, frozen, plus trainable rows for the added characters.

    Kept apart during training so the optimiser only touches the new rows (much cheaper than
    masking a 34k-row gradient); merged back into one nn.Embedding before export.
    """

    frozen: torch.Tensor

    def __init__(self, frozen: torch.Tensor, fresh: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("frozen", frozen)
        self.fresh = nn.Parameter(fresh)
        self.base_size = int(frozen.shape[0])

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        is_new = (input_ids >= self.base_size).unsqueeze(-1)
        old_rows = F.embedding(input_ids.clamp(max=self.base_size - 1), self.frozen)
        new_rows = F.embedding((input_ids - self.base_size).clamp(min=0), self.fresh)
        return torch.where(is_new, new_rows, old_rows)

    def merged(self) -> nn.Embedding:
        weight = torch.cat([self.frozen, self.fresh.detach()])
        return nn.Embedding(weight.shape[0], weight.shape[1], padding_idx=0, _weight=weight)


def build_student(
    base_dir: Path, vocab_size: int, base_size: int, num_labels: int, seed: int
) -> IntentEncoder:
    torch.manual_seed(seed)
    bert = BertModel.from_pretrained(str(base_dir), add_pooling_layer=False, attn_implementation="eager")
    old = bert.get_input_embeddings().weight.detach().clone()
    if old.shape[0] != base_size:
        raise ValueError(f"checkpoint has {old.shape[0]} embedding rows, tokenizer base vocab {base_size}")
    # New rows start as the mean English row plus noise of the English rows' spread.
    fresh = old.mean(dim=0, keepdim=True) + torch.randn(vocab_size - base_size, old.shape[1]) * old.std(dim=0)
    bert.embeddings.word_embeddings = ExtendedEmbedding(old, fresh)
    bert.config.vocab_size = vocab_size
    return IntentEncoder(bert, num_labels)


def length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (less padding), in shuffled order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def train(
    base_dir: Path,
    tokenizer_path: Path,
    base_size: int,
    rows: Sequence[dict[str, Any]],
    labels: Sequence[str],
    config: TrainConfig,
) -> tuple[IntentEncoder, dict[str, Any]]:
    torch.manual_seed(config.seed)
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    vocab_size = tokenizer.get_vocab_size()
    unk_id = tokenizer.token_to_id("[UNK]")
    label_index = {label: i for i, label in enumerate(labels)}

    log("nlu: teacher embeddings of the English parallels")
    targets = teacher_embeddings(base_dir, [r["parallel"] for r in rows if r["parallel"]])
    encoded = [e.ids for e in tokenizer.encode_batch([r["text"] for r in rows])]
    seen_ids = {i for ids in encoded for i in ids if i >= base_size}

    model = build_student(base_dir, vocab_size, base_size, len(labels), config.seed)
    extended = model.bert.embeddings.word_embeddings
    assert isinstance(extended, ExtendedEmbedding)
    encoder_params = [p for n, p in model.bert.named_parameters() if "word_embeddings" not in n]
    optimizer = torch.optim.AdamW(
        [
            {"params": [extended.fresh], "lr": config.lr_new_rows, "weight_decay": 0.0},
            {"params": encoder_params, "lr": config.lr_encoder, "weight_decay": 0.01},
            {"params": list(model.head.parameters()), "lr": config.lr_head, "weight_decay": 0.01},
        ]
    )
    steps_per_epoch = math.ceil(len(rows) / config.batch_size)
    total = steps_per_epoch * config.epochs
    warmup = max(1, int(total * config.warmup_share))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup)))
    )
    rng = random.Random(config.seed)
    lengths = [len(ids) for ids in encoded]
    started = time.perf_counter()
    history: list[dict[str, float]] = []
    model.train()
    for epoch in range(config.epochs):
        sums = {"ce": 0.0, "distill": 0.0}
        for batch in length_batches(lengths, config.batch_size, rng):
            token_lists = [
                [unk_id if i >= base_size and rng.random() < config.unk_dropout else i for i in encoded[j]]
                for j in batch
            ]
            ids, mask = pad_batch(token_lists)
            gold = torch.tensor([label_index[rows[j]["intent"]] for j in batch])
            logits, embedding = model(ids, mask)
            ce = F.cross_entropy(logits, gold, label_smoothing=config.label_smoothing)
            with_target = [k for k, j in enumerate(batch) if rows[j]["parallel"]]
            distill = torch.zeros(())
            if with_target:
                teacher = torch.stack([targets[rows[batch[k]]["parallel"]] for k in with_target])
                distill = (1.0 - (embedding[with_target] * teacher).sum(dim=1)).mean()
            loss = ce + config.distill_weight * distill
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            sums["ce"] += float(ce.detach()) * len(batch)
            sums["distill"] += float(distill.detach()) * len(batch)
        epoch_stats = {k: v / len(rows) for k, v in sums.items()}
        history.append(epoch_stats)
        log(
            f"nlu: epoch {epoch + 1}/{config.epochs} ce {epoch_stats['ce']:.3f} "
            f"distill {epoch_stats['distill']:.3f} ({time.perf_counter() - started:.0f}s)"
        )
    model.eval()
    merged = extended.merged()
    with torch.no_grad():
        # Characters never seen in training have no learned meaning: make them read as [UNK],
        # which the encoder did learn (unk_dropout) instead of leaving random vectors.
        unseen = [i for i in range(base_size, vocab_size) if i not in seen_ids]
        merged.weight[unseen] = merged.weight[unk_id].clone()
    model.bert.embeddings.word_embeddings = merged
    stats = {
        "train_seconds": round(time.perf_counter() - started, 1),
        "train_rows": len(rows),
        "added_tokens": vocab_size - base_size,
        "added_tokens_trained": len(seen_ids),
        "added_tokens_mapped_to_unk": len(unseen),
        "epochs": history,
        "config": config.as_dict(),
    }
    return model, stats


@torch.no_grad()
def predict(
    model: IntentEncoder, tokenizer_path: Path, texts: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    logits_out: list[np.ndarray] = []
    embeddings_out: list[np.ndarray] = []
    for start in range(0, len(texts), 64):
        ids, mask = pad_batch([e.ids for e in tokenizer.encode_batch(list(texts[start : start + 64]))])
        logits, embedding = model(ids, mask)
        logits_out.append(logits.numpy())
        embeddings_out.append(embedding.numpy())
    return np.concatenate(logits_out), np.concatenate(embeddings_out)
