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

# fuzz/corpus/npz_archive: the NumPy-written archives, whole and cut short.
out = root / "fuzz" / "corpus" / "npz_archive"
out.mkdir(parents=True, exist_ok=True)
seeds = set()
for p in sorted((root / "fixtures" / "npz").glob("*.npz")):
    data = p.read_bytes()
    seeds.add(data)
    for cut in (len(data) // 2, len(data) - 22, len(data) - 1):
        seeds.add(data[:cut])
for data in sorted(seeds):
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
print(f"{len(seeds)} seeds in {out}")

# fuzz/corpus/raw_dump: dtype text, NUL, an option byte, then dump bytes.
out = root / "fuzz" / "corpus" / "raw_dump"
out.mkdir(parents=True, exist_ok=True)
radar = (root / "fixtures" / "raw" / "medkit_radar.bin").read_bytes()[:4200]
cube = (root / "fixtures" / "raw" / "cube_f_be_i8.bin").read_bytes()
specs = [
    ("[('time','<u8'),('size','<u4'),('position',[('az','<f4'),('el','<f4'),('region_type','u1'),('region_ID','<u2')]),('gain','u1'),('samples','<i2',(2048,))]", radar),
    (">i8", cube), ("<f4", cube), ("i1, (2,)>f4, S3", cube), ("{'names':['a','b'],'formats':['<u2','>f8'],'offsets':[8,0],'itemsize':16}", cube),
    ("<M8[s]", cube), ("c8", cube), ("?", cube), ("U1", cube),
]
seeds = set()
for k, (spec, data) in enumerate(specs):
    for pick in (0, 1, 0x12, 0x25, 0x80, 0xC3, k * 29 % 256):
        seeds.add(spec.encode() + b"\0" + bytes([pick]) + data)
for data in sorted(seeds):
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
print(f"{len(seeds)} seeds in {out}")

# fuzz/corpus/roundtrip: pseudo-random bytes of many lengths (arbitrary builds the dtype).
out = root / "fuzz" / "corpus" / "roundtrip"
out.mkdir(parents=True, exist_ok=True)
state = 0x9E3779B97F4A7C15
seeds = set()
for n in range(300):
    length = 4 + (n * 37) % 400
    data = bytearray()
    for _ in range(length):
        state ^= (state << 13) & 0xFFFFFFFFFFFFFFFF
        state ^= state >> 7
        state ^= (state << 17) & 0xFFFFFFFFFFFFFFFF
        data.append(state & 0xFF)
    seeds.add(bytes(data))
for data in sorted(seeds):
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
print(f"{len(seeds)} seeds in {out}")
