"""One encoder pass for general and label embeddings (`analyzer.encoder`) and the fine-tuning step."""
import copy

import numpy as np
import pytest

from analyzer import encoder, nlp
from analyzer.finetune import Examples, FineTuneConfig, fine_tune

pytestmark = pytest.mark.slow

SENTENCES = ["At 10:05 four of the six students at the back table were off task.", "Great lesson!",
             "How might you check who understood the exit ticket before moving on?",
             "Next time, give the directions once, then have a student repeat them.", "Strengths:"]


@pytest.fixture(scope="module")
def model():
    with nlp.float32_encoder():
        return nlp.get_embedder()


def _perturbed_top(model, count=2, seed=1):
    import torch

    top = copy.deepcopy(encoder.top_layers(encoder.transformer(model), count))
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in top.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=generator))
    return top.eval()


def test_general_embeddings_match_sentence_transformers(model):
    general, label = encoder.encode(model, SENTENCES, batch_size=2)
    reference = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    assert np.allclose(general, reference, atol=1e-5)
    assert label is general  # no tuned layers: the label embedding is the general one


@pytest.mark.parametrize("count", [2, 6])  # 6: every layer tuned, only the word embeddings shared
def test_tuned_layers_continue_from_the_shared_lower_layers(model, count):
    top = _perturbed_top(model, count)
    general, label = encoder.encode(model, SENTENCES, batch_size=2, tuned=top)
    assert np.allclose(general, encoder.encode(model, SENTENCES, batch_size=2)[0], atol=1e-6)  # untouched
    # the same as a whole second model whose top layers are the tuned ones
    whole = copy.deepcopy(model)
    layers = encoder.transformer(whole).encoder.layer
    for i, layer in enumerate(copy.deepcopy(top)):
        layers[len(layers) - len(top) + i] = layer
    assert np.allclose(label, whole.encode(SENTENCES, normalize_embeddings=True), atol=1e-5)
    assert (general * label).sum(axis=1).max() < 0.9999  # the tuned layers really ran


def test_threads_encoding_at_once_get_their_own_results(model):
    from concurrent.futures import ThreadPoolExecutor

    top = _perturbed_top(model)
    batches = [SENTENCES[:3], SENTENCES[2:], SENTENCES[::-1], SENTENCES[1:4]] * 3
    alone = [encoder.encode(model, b, 2, top) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda b: encoder.encode(model, b, 2, top), batches))
    for (g1, l1), (g2, l2) in zip(alone, together):
        assert np.allclose(g1, g2, atol=1e-5) and np.allclose(l1, l2, atol=1e-5)


def test_saved_top_layers_load_back(model, tmp_path):
    top = encoder.round_to_stored(_perturbed_top(model))
    encoder.save_top(top, tmp_path / encoder.TOP_FILE)
    assert {str(t.dtype) for t in encoder.read_top(tmp_path / encoder.TOP_FILE).values()} == {"torch.bfloat16"}
    loaded = encoder.load_top(model, tmp_path / encoder.TOP_FILE)
    assert len(loaded) == 2
    # rounded before saving, the loaded layers give exactly the embeddings the classifiers were trained on
    assert np.array_equal(encoder.encode(model, SENTENCES, 4, loaded)[1], encoder.encode(model, SENTENCES, 4, top)[1])


def test_fine_tuning_changes_only_a_copy_of_the_top_layers(model):
    before = encoder.encode(model, SENTENCES, 8)[0]
    examples = Examples(texts=SENTENCES * 4, boolean=np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 1],
                                                               [0, 0, 0]] * 4, dtype=float),
                        question=np.array([0, 0, 1, 0, 0] * 4), component=["3c", "none", "3b", "3a", "none"] * 4)
    top = fine_tune(model, examples, FineTuneConfig(layers=2, epochs=1, batch_size=8))
    assert len(top) == 2
    general, label = encoder.encode(model, SENTENCES, 8, top)
    assert np.array_equal(general, before)  # the shared model was not touched
    assert not np.allclose(general, label, atol=1e-3)


def test_too_many_layers_is_a_clear_error(model):
    with pytest.raises(ValueError, match="6 layers"):
        encoder.top_layers(encoder.transformer(model), 7)
