"""Which precision the sentence encoder runs in, and what bfloat16 does to the embeddings."""
import numpy as np
import pytest

from analyzer import nlp
from analyzer.config import Settings


@pytest.fixture
def settings(monkeypatch):
    def use(**values):
        monkeypatch.setattr(nlp, "get_settings", lambda: Settings(**values))
    return use


@pytest.mark.parametrize("cpuinfo, expected", [
    ("flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n", "bfloat16"),
    ("flags\t\t: fpu sse2 avx2 amx_bf16 amx_tile\n", "bfloat16"),
    ("flags\t\t: fpu sse2 avx2 avx512f avx512bw\n", "float32"),  # AVX-512 without BF16: emulated, slower
])
def test_auto_follows_the_cpu(settings, monkeypatch, tmp_path, cpuinfo, expected):
    settings()
    (tmp_path / "cpuinfo").write_text(cpuinfo)
    monkeypatch.setattr(nlp, "CPUINFO", tmp_path / "cpuinfo")
    assert nlp.encoder_precision() == expected


def test_auto_without_cpuinfo_is_float32(settings, monkeypatch, tmp_path):
    settings()
    monkeypatch.setattr(nlp, "CPUINFO", tmp_path / "missing")
    assert nlp.encoder_precision() == "float32"


@pytest.mark.parametrize("value", ["float32", "bfloat16"])
def test_the_setting_overrides_the_cpu(settings, value):
    settings(encoder_precision=value)
    assert nlp.encoder_precision() == value


def test_a_wrong_setting_is_refused():
    with pytest.raises(ValueError, match="encoder_precision"):
        Settings(encoder_precision="int8")


def test_training_block_forces_float32(settings):
    settings(encoder_precision="bfloat16")
    assert nlp.precision_in_use() == "bfloat16"
    with nlp.float32_encoder():
        assert nlp.precision_in_use() == "float32"
    assert nlp.precision_in_use() == "bfloat16"


@pytest.mark.slow
def test_bfloat16_embeddings_stay_close_to_float32(settings):
    sentences = ["At 10:05 four of the six students at the back table were off task.",
                 "Great lesson!", "How might you check who understood the exit ticket before moving on?",
                 "Next time, give the directions once, then have a student repeat them."]
    settings(encoder_precision="float32")
    full = nlp.embed(sentences)
    settings(encoder_precision="bfloat16")
    half = nlp.embed(sentences)
    assert half.dtype == np.float32 and half.shape == full.shape
    assert np.allclose(np.linalg.norm(half, axis=1), 1, atol=1e-5)
    cosines = (full * half).sum(axis=1)
    assert cosines.min() > 0.999
    assert not np.array_equal(full, half)  # the bfloat16 model really ran


def test_processes_share_the_cores(monkeypatch):
    import torch

    before = torch.get_num_threads()
    monkeypatch.setattr(nlp.os, "cpu_count", lambda: 8)
    try:
        assert nlp.share_cores(1) == 8 and torch.get_num_threads() == before  # one process: torch's own default
        assert nlp.share_cores(4) == 2 and torch.get_num_threads() == 2
        assert nlp.share_cores(16) == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
