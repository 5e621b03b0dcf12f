"""Source 5's FastAPI app: /slow (uncached CPU work every time), /cached (the same work behind a
TTL cache, per worker process), /stats (the cache's hits and misses, of the worker that answers)
and a middleware that adds X-Process-Time. Debian: apt-get install python3-fastapi
python3-uvicorn.

Run: python3 -m uvicorn fastapi_app:app --app-dir examples/seeds --workers N --port P
Environment: SLOW_MS (CPU work per /slow and per /cached miss, default 20), CACHE_TTL (s, 10)."""
import hashlib
import os
import time

from fastapi import FastAPI, Request

SLOW_MS = float(os.environ.get("SLOW_MS", "20"))
CACHE_TTL = float(os.environ.get("CACHE_TTL", "10"))


def _calibrate() -> int:
    """Hash rounds worth SLOW_MS on this core, measured once at start-up."""
    rounds, start = 0, time.perf_counter()
    digest = b"seed"
    while time.perf_counter() - start < 0.05:
        for _ in range(1000):
            digest = hashlib.sha256(digest).digest()
        rounds += 1000
    return max(1, int(rounds * SLOW_MS / 50))


ROUNDS = _calibrate()
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
