"""Load test of the HTTP API on loopback (a script that prints figures, not a test).

Starts `fqa serve` (unless --url is given), then sends POST /v1/analyze with ~150-word drafts at a
fixed arrival rate (open loop: requests are sent on schedule whatever the latency) and prints
p50/p95/p99 latency, the achieved rate, errors, and the RSS of each server process.

    .venv/bin/python benchmarks/api_load.py --rate 20 --seconds 30 [--workers 1]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.config import get_settings  # noqa: E402
from analyzer.corpus import corpus_files, read_documents  # noqa: E402


def drafts(words: int = 150) -> list[str]:
    """Corpus documents cut to about `words` words at a sentence end."""
    out = []
    for d in read_documents(corpus_files(get_settings().corpora_dir, "test")):
        count = 0
        for s in d.sentences:
            count += len(d.text[s.start:s.end].split())
            if count >= words:
                break
        if count >= words * 0.8:
            out.append(d.text[:s.end])
    return out


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def server_pids(root: int) -> list[int]:
    """The server process and its children (uvicorn workers)."""
    pids = [root]
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().split(")")[1].split()[1]) == root:
                    pids.append(int(p.name))
            except (OSError, IndexError, ValueError):
                continue
    return pids


async def run(url: str, texts: list[str], rate: float, seconds: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        async def one(text: str) -> None:
            nonlocal errors
            start = time.perf_counter()
            try:
                r = await client.post("/v1/analyze", json={"text": text})
                if r.status_code != 200:
                    errors += 1
                    return
            except httpx.HTTPError:
                errors += 1
                return
            latencies.append(time.perf_counter() - start)

        tasks = []
        begin = time.perf_counter()
        n = int(rate * seconds)
        for i in range(n):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(texts[i % len(texts)])))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - begin
    return latencies, errors, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server; otherwise one is started")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    texts = drafts()
    print(f"{len(texts)} distinct drafts, median {statistics.median(len(t.split()) for t in texts):.0f} words")
    proc = None
    url = args.url
    if url is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "analyzer.cli", "serve", "--port", str(port), "--workers",
                                 str(args.workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "FQA_API_KEYS": ""})
        url = f"http://127.0.0.1:{port}"
        for _ in range(360):
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
    try:
        asyncio.run(run(url, texts, 2.0, 3.0))  # warm up
        latencies, errors, elapsed = asyncio.run(run(url, texts, args.rate, args.seconds))
        q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [float("nan")] * 99
        sent = int(args.rate * args.seconds)
        print(f"offered {args.rate:g} req/s for {args.seconds:g} s: {sent} requests, {len(latencies)} ok, {errors} errors, "
              f"completed in {elapsed:.1f} s ({len(latencies) / elapsed:.1f} req/s sustained)")
        print(f"latency ms: p50 {1000 * q[49]:.0f}, p95 {1000 * q[94]:.0f}, p99 {1000 * q[98]:.0f}, "
              f"max {1000 * max(latencies):.0f}")
        if proc is not None:
            for pid in server_pids(proc.pid):
                print(f"RSS of server process {pid}: {rss_mb(pid):.0f} MB")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
