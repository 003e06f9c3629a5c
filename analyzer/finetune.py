"""Fine-tune a copy of the encoder's top layers on the labelled sentences (part of `fqa train`).

One multi-task head over the mean-pooled sentence reads all labels at once: evidence, judgment and
recommendation (binary), the question type and the rubric component (or none). Only the copied layers
learn (by default all six of MiniLM's, which beat the top three by 2.7 points of dev judgment F1;
QUALITY.md); the word embeddings and any lower layers stay as shipped, so the general embeddings that
similarity and rubric alignment use are untouched and what is shared runs once for both
(`encoder.encode`). The head is thrown away: the classifiers read the tuned embedding like any other
feature.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .constants import BOOLEAN_LABELS, QUESTION_TYPES
from .encoder import mean_pool, round_to_stored, top_layers, transformer


@dataclass(frozen=True)
class FineTuneConfig:
    layers: int = 6
    epochs: int = 4
    batch_size: int = 32
    learning_rate: float = 1e-4
    head_learning_rate: float = 5e-4
    max_length: int = 128
    seed: int = 0


@dataclass(frozen=True)
class Examples:
    texts: list[str]
    boolean: np.ndarray  # (n, len(BOOLEAN_LABELS)) of 0/1
    question: np.ndarray  # (n,) index into QUESTION_TYPES
    component: list[str]  # component id or "none"


def fine_tune(model, examples: Examples, config: FineTuneConfig = FineTuneConfig()):
    """The fine-tuned copy of `model`'s top `config.layers` layers (a `torch.nn.ModuleList`, float32 holding the
    values `encoder.save_top` stores, so the classifiers see the same embeddings as after a load).

    Deterministic for a given machine and thread count: fixed seeds, fixed batch order.
    """
    import copy

    import torch

    top_layers(transformer(model), config.layers)  # an impossible count is a clear error before any work
    torch.manual_seed(config.seed)
    base = copy.deepcopy(transformer(model)).float().train()
    for module in (base.embeddings, *base.encoder.layer[:len(base.encoder.layer) - config.layers]):
        module.requires_grad_(False)
    classes = sorted(set(examples.component))
    head = torch.nn.Linear(base.config.hidden_size, len(BOOLEAN_LABELS) + len(QUESTION_TYPES) + len(classes))
    dropout = torch.nn.Dropout(0.1)
    tuned = [p for p in base.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW([{"params": tuned, "lr": config.learning_rate},
                                   {"params": head.parameters(), "lr": config.head_learning_rate}], weight_decay=0.01)
    steps = math.ceil(len(examples.texts) / config.batch_size) * config.epochs
    warm = max(1, int(0.1 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    bce, ce = torch.nn.BCEWithLogitsLoss(), torch.nn.CrossEntropyLoss()
    boolean = torch.tensor(examples.boolean, dtype=torch.float32)
    question = torch.tensor(examples.question, dtype=torch.long)
    component = torch.tensor([classes.index(c) for c in examples.component], dtype=torch.long)
    nb, nq = len(BOOLEAN_LABELS), len(QUESTION_TYPES)
    generator = torch.Generator().manual_seed(config.seed)
    for _ in range(config.epochs):
        order = torch.randperm(len(examples.texts), generator=generator)
        for start in range(0, len(examples.texts), config.batch_size):
            rows = order[start:start + config.batch_size]
            batch = model.tokenizer([examples.texts[i] for i in rows], padding=True, truncation=True,
                                    max_length=config.max_length, return_tensors="pt")
            pooled = mean_pool(base(**batch).last_hidden_state, batch["attention_mask"])
            logits = head(dropout(pooled))
            loss = (bce(logits[:, :nb], boolean[rows]) + ce(logits[:, nb:nb + nq], question[rows])
                    + ce(logits[:, nb + nq:], component[rows]))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*tuned, *head.parameters()], 1.0)
            optimizer.step()
            schedule.step()
    return round_to_stored(top_layers(base, config.layers).eval())
