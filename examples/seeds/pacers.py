"""Source 2's five pacers, as the source wrote them: Python, one thread, a blocking HTTP call per
tick on one keep-alive connection.

1. sleep(1/tps) after each call
2. an absolute schedule: next_tick += interval; sleep what remains, or call at once when late
3. sleep until 0.5 ms remain, then busy-wait
4. AIMD: measured interval > 1.5x the planned one -> tps x 0.7, else tps + 1
5. EWMA (alpha 0.2) of the measured interval, dead zone: ratio > 1.1 -> x 0.9, < 0.95 -> + 1,
   clamped to [1, target]
(4 and 5 wait as 3 does, and adjust once per call, as the source did.)

Usage: pacers.py KIND RATE SECONDS URL. Prints one JSON line: calls, lateness against the pacer's
own schedule (us), calls per second, and the tps range over the run's second half."""
import http.client
import json
import sys
import time
from urllib.parse import urlsplit

SPIN = 0.0005


def main() -> None:
    kind, target, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    url = urlsplit(sys.argv[4])
    path = url.path + (f"?{url.query}" if url.query else "")
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    errors = 0

    def call() -> None:
        nonlocal conn, errors
        try:
            conn.request("GET", path)
            res = conn.getresponse()
            res.read()
            errors += res.status >= 400
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)

    def wait_until(t: float) -> None:
        wait = t - time.perf_counter()
        if kind == 2:
            if wait > 0:
                time.sleep(wait)
            return
        if wait > SPIN:
            time.sleep(wait - SPIN)
        while time.perf_counter() < t:
            pass

    tps = target
    t0 = time.perf_counter()
    end = t0 + seconds
    next_tick = t0
    last = None
    ewma = None
    late, sends, tps_late = [], [], []
    k = 0
    while True:
        if kind != 1:
            wait_until(next_tick)
        now = time.perf_counter()
        if now >= end:
            break
        slot = t0 + k / target if kind == 1 else next_tick
        late.append((now - slot) * 1e6)
        sends.append(now - t0)
        if now - t0 > seconds / 2:
            tps_late.append(tps)
        call()
        if last is not None and kind == 4:
            tps = tps * 0.7 if now - last > 1.5 / tps else tps + 1
            tps = min(target, max(1.0, tps))
        elif last is not None and kind == 5:
            measured = now - last
            ewma = measured if ewma is None else 0.2 * measured + 0.8 * ewma
            ratio = ewma * tps
            if ratio > 1.1:
                tps *= 0.9
            elif ratio < 0.95:
                tps += 1
            tps = min(target, max(1.0, tps))
        last = now
        if kind == 1:
            time.sleep(1 / tps)
        else:
            next_tick += 1 / tps
        k += 1
    late.sort()
    per_second = [0] * int(seconds)
    for s in sends:
        if int(s) < len(per_second):
            per_second[int(s)] += 1
    print(json.dumps({
        "kind": kind,
        "calls": len(sends),
        "errors": errors,
        "late_p50_us": late[len(late) // 2],
        "late_p99_us": late[min(len(late) - 1, int(0.99 * len(late)))],
        "per_second": per_second,
        "tps_min": min(tps_late),
        "tps_max": max(tps_late),
    }))


main()
