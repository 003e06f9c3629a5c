import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def spacy_nlp():
    from analyzer import nlp

    return nlp.get_spacy()
