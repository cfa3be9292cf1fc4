#!/usr/bin/env python3
"""count_peers.py SCRAPE_URL NTORRENTS [BATCH]

Scrapes the benchmark pool's first NTORRENTS info_hashes (../shared/bench/pool.py) from
SCRAPE_URL (e.g. http://127.0.0.1:8080/PASSKEY/scrape or http://127.0.0.1:6969/scrape) in
batches of BATCH (default 64) and prints the number of peers the tracker holds: the sum of
`complete` and `incomplete` over the pool. The run script divides RSS by this number.
"""
import os
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, os.environ.get("BENCH_DIR", os.path.join(os.path.dirname(__file__),
                                                             "../../../shared/bench")))
import pool  # noqa: E402  (the shared deterministic pool)


def bdecode(data, i=0):
    """Minimal bencode decoder for trusted benchmark replies; returns (value, next index)."""
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c == b"l":
        out, i = [], i + 1
        while data[i:i + 1] != b"e":
            v, i = bdecode(data, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while data[i:i + 1] != b"e":
            k, i = bdecode(data, i)
            v, i = bdecode(data, i)
            out[k] = v
        return out, i + 1
    colon = data.index(b":", i)
    n = int(data[i:colon])
    return data[colon + 1:colon + 1 + n], colon + 1 + n


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    url, ntorrents = sys.argv[1], int(sys.argv[2])
    batch = int(sys.argv[3]) if len(sys.argv) == 4 else 64
    hashes = [pool.info_hash(i) for i in range(ntorrents)]
    total = 0
    for start in range(0, ntorrents, batch):
        chunk = hashes[start:start + batch]
        query = "&".join("info_hash=" + urllib.parse.quote(h, safe="") for h in chunk)
        with urllib.request.urlopen(url + "?" + query, timeout=10) as reply:
            body, _ = bdecode(reply.read())
        files = body.get(b"files")
        if files is None:
            sys.exit("scrape failed: %r" % body)
        for h in chunk:
            entry = files.get(h, {})
            total += entry.get(b"complete", 0) + entry.get(b"incomplete", 0)
    print(total)


if __name__ == "__main__":
    main()
