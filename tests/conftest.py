import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def spacy_nlp():
    from analyzer import nlp

    return nlp.get_spacy()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A real `fqa serve` process on a free loopback port; yields (base URL, path of its log file)."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    env = {**os.environ, "FQA_API_KEYS": "", "PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "analyzer.cli", "serve", "--port", str(port)], env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"server did not become ready:\n{log_path.read_text()}")
            time.sleep(0.5)
    yield base, log_path
    proc.terminate()
    proc.wait(timeout=30)
