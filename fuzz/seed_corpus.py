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
