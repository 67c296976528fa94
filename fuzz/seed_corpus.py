#!/usr/bin/env python3
"""Seed fuzz/corpus/dtype_parse with every input of the NumPy fixture tables."""
import hashlib
import json
from pathlib import Path

root = Path(__file__).resolve().parent.parent
out = root / "fuzz" / "corpus" / "dtype_parse"
out.mkdir(parents=True, exist_ok=True)
texts = set()
for c in json.loads((root / "fixtures/dtype/cases.json").read_text())["cases"]:
    texts.add(c["spec"])
for c in json.loads((root / "fixtures/dtype/descr.json").read_text())["cases"]:
    texts.add(c["input"])
for t in sorted(texts):
    data = t.encode("utf-8", "surrogatepass")
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
print(f"{len(texts)} seeds in {out}")

# fuzz/corpus/text: every loadtxt and genfromtxt fixture text, under a spread of option bytes.
out = root / "fuzz" / "corpus" / "text"
out.mkdir(parents=True, exist_ok=True)
seeds = set()
for table in ("loadtxt.json", "genfromtxt.json"):
    for k, c in enumerate(json.loads((root / "fixtures" / table).read_text())["cases"]):
        for pick in (k % 256, (k * 37 + 11) % 256, (k * 101 + 3) % 256):
            seeds.add(bytes([pick]) + c["text"].encode("utf-8", "surrogatepass"))
for data in sorted(seeds):
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
print(f"{len(seeds)} seeds in {out}")
