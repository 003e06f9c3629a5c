"""Sentence embeddings of two kinds from one pass of the encoder.

MiniLM's word embeddings and any layers below the tuned ones run once; its original layers then give
the *general* embedding (topic similarity, rubric alignment, rating levels, compare), and the fine-tuned
copy of the top layers that `fqa train` writes (`models/encoder_top.zip`, all six layers in the
shipped models) gives the *label* embedding that the sentence classifiers read. Without fine-tuned
layers the label embedding is the general one.
"""
from __future__ import annotations

import copy
import threading
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import LayerCountError

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

TOP_FILE = "encoder_top.zip"  # one deflated safetensors member: 16.9 MB instead of 21.3 MB for six layers
TOP_MEMBER = "encoder_top.safetensors"
STORED_DTYPE = "bfloat16"  # the tuned layers' weights on disk: half the size of float32


def transformer(model: "SentenceTransformer") -> "torch.nn.Module":
    """The Hugging Face model inside a sentence-transformers model."""
    return model[0].auto_model


def top_layers(hf_model: "torch.nn.Module", count: int) -> "torch.nn.ModuleList":
    """The last `count` layers of a Hugging Face BERT-style model (the modules themselves, not copies)."""
    layers = hf_model.encoder.layer
    if not 0 < count <= len(layers):
        raise LayerCountError(f"the encoder has {len(layers)} layers; cannot take the top {count} "
                              f"(choose 1 to {len(layers)})")
    return layers[len(layers) - count:]


def load_top(model: "SentenceTransformer", path: Path) -> "torch.nn.ModuleList":
    """A copy of the model's top layers with the fine-tuned weights saved at `path`."""
    state = read_top(path)
    count = 1 + max(int(key.split(".", 1)[0]) for key in state)
    top = copy.deepcopy(top_layers(transformer(model), count))
    top.load_state_dict(state)
    dtype = next(transformer(model).parameters()).dtype
    return top.to(dtype).eval()


def save_top(top: "torch.nn.ModuleList", path: Path) -> None:
    """Save the tuned layers' weights in STORED_DTYPE (exact for layers passed through `round_to_stored`)."""
    import torch
    from safetensors.torch import save

    dtype = getattr(torch, STORED_DTYPE)
    data = save({k: v.detach().to(dtype).contiguous() for k, v in top.state_dict().items()})
    member = zipfile.ZipInfo(TOP_MEMBER, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: the same bytes every time
    member.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, data, compresslevel=9)


def read_top(path: Path) -> dict[str, "torch.Tensor"]:
    """The stored tensors of a file written by `save_top`, as stored (STORED_DTYPE)."""
    from safetensors.torch import load

    with zipfile.ZipFile(path) as archive:
        return load(archive.read(TOP_MEMBER))


def round_to_stored(top: "torch.nn.ModuleList") -> "torch.nn.ModuleList":
    """Round the weights (in place, kept float32) to the values `save_top` stores, so that embeddings computed
    right after fine-tuning are exactly those of the layers loaded back from disk."""
    import torch

    dtype = getattr(torch, STORED_DTYPE)
    with torch.no_grad():
        for tensor in top.state_dict().values():
            tensor.copy_(tensor.to(dtype).to(tensor.dtype))
    return top


def encode(model: "SentenceTransformer", sentences: list[str], batch_size: int,
           tuned: "torch.nn.ModuleList | None" = None) -> tuple[np.ndarray, np.ndarray]:
    """(general, label) embeddings, unit length, float32, one row per sentence.

    Sentences are sorted by length and batched (less padding); the tuned layers, if any, continue from
    the hidden states and attention mask that enter the original top layers, so the lower layers run once.
    """
    import torch

    hf = transformer(model)
    dim = hf.config.hidden_size
    general = np.zeros((len(sentences), dim), dtype=np.float32)
    label = np.zeros((len(sentences), dim), dtype=np.float32) if tuned is not None else None
    order = np.argsort([len(s) for s in sentences], kind="stable")
    entry = hf.encoder.layer[len(hf.encoder.layer) - len(tuned)] if tuned is not None else None
    captured: dict = {}
    caller = threading.get_ident()

    def capture(_module, args, kwargs):
        if threading.get_ident() == caller:  # another thread's forward pass through the shared model is not ours
            captured["args"], captured["kwargs"] = args, kwargs

    handle = entry.register_forward_pre_hook(capture, with_kwargs=True) if entry is not None else None
    try:
        with torch.inference_mode():
            for start in range(0, len(sentences), batch_size):
                rows = order[start:start + batch_size]
                batch = model.tokenizer([sentences[i] for i in rows], padding=True, truncation=True,
                                        max_length=model.max_seq_length, return_tensors="pt")
                mask = batch["attention_mask"]
                general[rows] = mean_pool(hf(**batch).last_hidden_state, mask).float().numpy()
                if tuned is not None:
                    hidden, *rest = captured["args"]
                    for layer in tuned:
                        out = layer(hidden, *rest, **captured["kwargs"])
                        hidden = out[0] if isinstance(out, tuple) else out
                    label[rows] = mean_pool(hidden, mask).float().numpy()
    finally:
        if handle is not None:
            handle.remove()
    general = _unit(general)
    return general, (general if tuned is None else _unit(label))


def mean_pool(hidden: "torch.Tensor", attention_mask: "torch.Tensor") -> "torch.Tensor":
    """Mean of the token vectors that are not padding (sentence-transformers' mean pooling), in hidden's dtype."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
