#!/usr/bin/env python3
"""dtkit against NumPy on the same files in the same run.

    python3 benches/compare.py            # ~1 GiB per workload (DTKIT_BENCH_MB to change)

Builds `examples/rawbench` in release mode, writes the data files (in $TMPDIR), and runs
each workload as a child process for dtkit and for NumPy: the operation's own time (best of
3 on a warm memory map) and the child's peak RSS. Prints a table with the ratio
NumPy time / dtkit time (above 1: dtkit is faster) and checks both produced the same bytes.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MB = int(os.environ.get("DTKIT_BENCH_MB", "1024"))

RECORD = "[('time','<u8'),('position',[('az','<f4'),('el','<f4')]),('samples','<i2',(24,))]"

NUMPY_OPS = {
    "field": "out = np.ascontiguousarray(mm[field_path[0]][field_path[1]])",
    "byteswap": "out = mm.astype(mm.dtype.newbyteorder('='))",
    "f2c": "out = np.ascontiguousarray(mm)",
}


def child(cmd):
    """Run a child; return its stdout JSON and its peak RSS in MiB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    run = subprocess.run(cmd, capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # ru_maxrss of children is the largest so far: report it when this child raised it.
    result["rss_mb"] = max(after, before) / 1024
    return result


def numpy_child(op, path, spec, extra):
    code = textwrap.dedent(f"""
        import json, time, ast
        import numpy as np
        spec = {spec!r}
        try:
            dt = np.dtype(ast.literal_eval(spec))
        except Exception:
            dt = np.dtype(spec)
        extra = {extra!r}
        if {op!r} == "f2c":
            mm = np.memmap({str(path)!r}, dtype=dt, mode="r", shape=(int(extra[0]), int(extra[1])), order="F")
        else:
            mm = np.memmap({str(path)!r}, dtype=dt, mode="r")
        field_path = extra[0].split(".") if extra else None
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            {NUMPY_OPS[op]}
            best = min(best, time.perf_counter() - t)
        b = out.view(np.uint8).reshape(-1) if out.flags.c_contiguous else np.ascontiguousarray(out).view(np.uint8).reshape(-1)
        check = int(b[::4093].astype(np.uint64).sum())
        print(json.dumps({{"op": {op!r}, "seconds": best, "out_bytes": int(out.nbytes), "check": check}}))
    """)
    return child([sys.executable, "-c", code])


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "rawbench"], cwd=ROOT, check=True)
    exe = ROOT / "target" / "release" / "examples" / "rawbench"
    tmp = Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / "dtkit-bench"
    tmp.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    nbytes = MB << 20

    rec_dt = np.dtype(eval(RECORD))
    rec_path = tmp / f"records_{MB}.bin"
    if not rec_path.exists() or rec_path.stat().st_size != (nbytes // rec_dt.itemsize) * rec_dt.itemsize:
        rng.integers(0, 256, size=(nbytes // rec_dt.itemsize) * rec_dt.itemsize, dtype=np.uint8).tofile(rec_path)
    be_path = tmp / f"be_f8_{MB}.bin"
    if not be_path.exists() or be_path.stat().st_size != nbytes // 8 * 8:
        rng.standard_normal(nbytes // 8).astype(">f8").tofile(be_path)
    side = int((nbytes / 8) ** 0.5)
    f_path = tmp / f"fortran_{side}.bin"
    if not f_path.exists():
        rng.standard_normal(side * side).astype("<f8").tofile(f_path)

    workloads = [
        ("field", rec_path, RECORD, ["position.az"], "extract position.az (f4) from 64-byte records"),
        ("byteswap", be_path, ">f8", [], "big-endian f8 to native"),
        ("f2c", f_path, "<f8", [str(side), str(side)], f"Fortran→C copy of a {side}x{side} f8 matrix"),
    ]
    rows = []
    for op, path, spec, extra, what in workloads:
        dk = child([str(exe), op, str(path), spec, *extra])
        np_ = numpy_child(op, path, spec, extra)
        same = dk["check"] == np_["check"] and dk["out_bytes"] == np_["out_bytes"]
        size = path.stat().st_size / 2**20
        rows.append((what, size, np_["seconds"], dk["seconds"], np_["rss_mb"], dk["rss_mb"], same))
    print(f"numpy {np.__version__}, {os.cpu_count()} cores, input ~{MB} MiB per workload")
    print(f"{'workload':52s} {'MiB':>6s} {'numpy s':>8s} {'dtkit s':>8s} {'ratio':>6s} {'np GB/s':>7s} {'dk GB/s':>7s} {'same':>5s}")
    for what, size, tn, td, rn, rd, same in rows:
        print(f"{what:52s} {size:6.0f} {tn:8.3f} {td:8.3f} {tn / td:6.2f} {size / 1024 / tn:7.2f} {size / 1024 / td:7.2f} {str(same):>5s}")
    if not all(r[-1] for r in rows):
        sys.exit("dtkit and NumPy produced different bytes")


if __name__ == "__main__":
    main()
