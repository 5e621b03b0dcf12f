"""Source 5's FastAPI app: /slow (uncached CPU work every time), /cached (the same work behind a
TTL cache, per worker process), /stats (the cache's hits and misses, of the worker that answers)
and a middleware that adds X-Process-Time. Debian: apt-get install python3-fastapi
python3-uvicorn.

Run: python3 -m uvicorn fastapi_app:app --app-dir examples/seeds --workers N --port P
Environment: SLOW_MS (CPU work per /slow and per /cached miss, default 20), CACHE_TTL (s, 10),
SLOW_ROUNDS (the hash rounds that are worth SLOW_MS, measured once by the caller: then every worker
does the same work; `python3 fastapi_app.py --rounds` prints them)."""
import hashlib
import os
import sys
import time

from fastapi import FastAPI, Request

SLOW_MS = float(os.environ.get("SLOW_MS", "20"))
CACHE_TTL = float(os.environ.get("CACHE_TTL", "10"))


def _calibrate() -> int:
    """Hash rounds worth SLOW_MS on an idle core: the fastest of 20 tries of 2,000 rounds (the
    fastest is the one nothing else ran beside)."""
    best = float("inf")
    for _ in range(20):
        digest, start = b"seed", time.perf_counter()
        for _ in range(2000):
            digest = hashlib.sha256(digest).digest()
        best = min(best, time.perf_counter() - start)
    return max(1, int(2000 * SLOW_MS / 1000 / best))


ROUNDS = int(os.environ["SLOW_ROUNDS"]) if os.environ.get("SLOW_ROUNDS") else _calibrate()
app = FastAPI()
cache: dict[str, tuple[float, str]] = {}
hits = 0
misses = 0


def work(key: str) -> str:
    """A fixed amount of CPU work (SLOW_MS of hashing on an idle core)."""
    digest = key.encode()
    for _ in range(ROUNDS):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()[:16]


@app.middleware("http")
async def process_time(request: Request, call_next):
    start = time.perf_counter()
    response = await call_next(request)
    response.headers["X-Process-Time"] = f"{time.perf_counter() - start:.6f}"
    return response


# Plain `def` endpoints run in the thread pool, as the CPU-bound ones of the source did.
@app.get("/slow")
def slow(key: str = "k"):
    return {"value": work(key)}


@app.get("/cached")
def cached(key: str = "k"):
    global hits, misses
    now = time.monotonic()
    entry = cache.get(key)
    if entry is not None and entry[0] > now:
        hits += 1
        return {"cache": "HIT", "key": key, "value": entry[1]}
    misses += 1
    value = work(key)
    cache[key] = (now + CACHE_TTL, value)
    return {"cache": "MISS", "key": key, "value": value}


@app.get("/stats")
def stats():
    total = hits + misses
    return {"pid": os.getpid(), "hits": hits, "misses": misses,
            "hit_ratio": hits / total if total else None, "slow_ms": SLOW_MS, "ttl_s": CACHE_TTL}


if __name__ == "__main__" and sys.argv[1:] == ["--rounds"]:
    print(ROUNDS)
