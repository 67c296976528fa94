#!/usr/bin/env python3
"""dtkit against NumPy on the same files in the same run.

    python3 benches/compare.py            # ~1 GiB per workload (DTKIT_BENCH_MB to change)
    DTKIT_BENCH_ONLY=text python3 benches/compare.py   # the text workloads only
    DTKIT_BENCH_ONLY=cli python3 benches/compare.py    # the whole-process dtconvert table only
    DTKIT_BENCH_ONLY=npy python3 benches/compare.py    # the .npy/.npz table only

Builds `examples/rawbench` in release mode, writes the data files (in $TMPDIR), and runs
each workload as a child process for dtkit and for NumPy: the operation's own time (best of
3 on a warm memory map) and the child's peak RSS. Prints a table with the ratio
NumPy time / dtkit time (above 1: dtkit is faster) and checks both produced the same bytes.
"""

import json
import os
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
    """Run a child; return its stdout JSON, which reports the child's own peak RSS in MiB."""
    run = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result["rss_mb"] = result.get("peak_rss_mb", 0.0)
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
        # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve, so a child would
        # report its parent's peak.
        rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
        print(json.dumps({{"op": {op!r}, "seconds": best, "out_bytes": int(out.nbytes), "check": check, "peak_rss_mb": rss}}))
    """)
    return child([sys.executable, "-c", code])


NPY_CODE = {
    "npyload": "out = np.load(path)",
    "npyfield": "mm = np.load(path, mmap_mode='r'); f = extra[0].split('.'); out = np.ascontiguousarray(mm[f[0]][f[1]])",
    "savez": "np.savez(extra[0], arr_0=arr); out = None",
    "savezc": "np.savez_compressed(extra[0], arr_0=arr); out = None",
    "npzload": "z = np.load(path); out = z[extra[0]]; z.close()",
    "loadtxt": "out = np.loadtxt(path, dtype=dt, delimiter=(extra[1] if len(extra) > 1 else None), quotechar=(extra[2] if len(extra) > 2 else None))",
    "genfromtxt": "out = np.genfromtxt(path, dtype=dt, delimiter=(extra[1] if len(extra) > 1 else None))",
    "fromregex": "out = np.fromregex(path, extra[1], dt, encoding='utf-8')",
    "savetxt": "np.savetxt(extra[0], arr, fmt=(extra[1].split('|') if '|' in extra[1] else extra[1]), delimiter=extra[2]); out = None",
    # Third-party CSV readers, when installed (pandas and polars use every core).
    "pandas_csv": "import pandas as pd; out = pd.read_csv(path, header=None, dtype='float64').to_numpy()",
    "polars_csv": "import polars as pl; out = pl.read_csv(path, has_header=False).to_numpy()",
    "pandas_mixed": "import pandas as pd; df = pd.read_csv(path, sep=' ', comment='#', header=None); out = df[2].to_numpy()",
    "polars_mixed": "import polars as pl; df = pl.read_csv(path, separator=' ', comment_prefix='#', has_header=False); out = df[:, 2].to_numpy()",
}


def numpy_npy_child(op, path, extra):
    code = textwrap.dedent(f"""
        import json, os, time
        import numpy as np
        path, extra = {str(path)!r}, {extra!r}
        arr = np.load(path) if {op!r} in ("savez", "savezc", "savetxt") else None
        if {op!r} in ("loadtxt", "genfromtxt", "fromregex"):
            import ast
            try:
                dt = np.dtype(ast.literal_eval(extra[0]))
            except Exception:
                dt = np.dtype(extra[0])
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            {NPY_CODE[op]}
            best = min(best, time.perf_counter() - t)
        if out is None and {op!r} == "savetxt":
            b = np.fromfile(extra[0], dtype=np.uint8)
            size, check = int(b.size), int(b.astype(np.uint64).sum())
        elif out is None:
            size, check = os.path.getsize(extra[0]), 0
        else:
            b = np.ascontiguousarray(out).view(np.uint8).reshape(-1)
            size, check = int(out.nbytes), int(b[::4093].astype(np.uint64).sum())
        # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve, so a child would
        # report its parent's peak.
        rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
        print(json.dumps({{"op": {op!r}, "seconds": best, "out_bytes": size, "check": check, "peak_rss_mb": rss}}))
    """)
    return child([sys.executable, "-c", code])


def out_dir(tmp):
    """Where the written files go: memory (/dev/shm) when it is there. Writing 1 GiB to
    this VM's disk takes 1 to 3 s depending on the writeback of earlier runs, which would
    drown what is measured. DTKIT_BENCH_OUT=DIR writes elsewhere."""
    shm = Path("/dev/shm")
    default = shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp
    return Path(os.environ.get("DTKIT_BENCH_OUT", default))


def npy_workloads(exe, tmp, rec_path, rec_dt, rng):
    """np.load, mapped field extraction, savez, savez_compressed and npz load."""
    rec_npy = tmp / f"records_{MB}.npy"
    if not rec_npy.exists():
        np.save(rec_npy, np.memmap(rec_path, dtype=rec_dt, mode="r"))
    comp_mb = max(8, MB // 5)
    sensor = tmp / f"sensor_{comp_mb}.npy"
    if not sensor.exists():
        n = (comp_mb << 20) // 2
        t = np.arange(n)
        np.save(sensor, (1000 * np.sin(t / 300) + rng.normal(0, 20, n)).astype("<i2"))
    rows = []
    out = out_dir(tmp)
    work = [
        ("npyload", rec_npy, [], f"np.load of a {MB} MiB structured .npy"),
        ("npyfield", rec_npy, ["position.az"], "map the .npy, extract position.az"),
        ("savez", rec_npy, [str(out / "dk.npz"), str(out / "np.npz")], f"np.savez of {MB} MiB (stored)"),
        ("savezc", sensor, [str(out / "dkc.npz"), str(out / "npc.npz")], f"np.savez_compressed of {comp_mb} MiB int16 samples"),
        ("npzload", out / "npc.npz", ["arr_0"], f"load the compressed member ({comp_mb} MiB)"),
    ]
    for op, path, extra, what in work:
        if op in ("savez", "savezc"):
            # Writes to the page cache depend on the writeback of the previous run: the two
            # take turns, twice, and each keeps its best.
            runs = []
            for _ in range(2):
                runs.append((child([str(exe), op, str(path), extra[0]]), numpy_npy_child(op, path, [extra[1]])))
            dk = min((r[0] for r in runs), key=lambda r: r["seconds"])
            np_ = min((r[1] for r in runs), key=lambda r: r["seconds"])
            if op == "savez":
                same = Path(extra[0]).read_bytes() == Path(extra[1]).read_bytes()
            else:
                with np.load(extra[0]) as a, np.load(extra[1]) as b:
                    same = a["arr_0"].tobytes() == b["arr_0"].tobytes()
            note = f"sizes {dk['out_bytes'] / 2**20:.1f} / {np_['out_bytes'] / 2**20:.1f} MiB (dtkit / numpy)"
        else:
            dk = child([str(exe), op, str(path), *extra])
            np_ = numpy_npy_child(op, path, extra)
            same = dk["check"] == np_["check"] and dk["out_bytes"] == np_["out_bytes"]
            note = ""
        size = path.stat().st_size / 2**20
        rows.append((what, size, np_["seconds"], dk["seconds"], np_["rss_mb"], dk["rss_mb"], same, note))
    for name in ("dk.npz", "np.npz", "dkc.npz", "npc.npz"):
        (out / name).unlink(missing_ok=True)
    return rows


def text_workloads(exe, tmp, rng):
    """np.loadtxt on ~100 MB of mixed whitespace records and of a 10-column float CSV."""
    mb = max(4, MB // 10)
    mixed = tmp / f"mixed_{mb}.txt"
    if not mixed.exists():
        n = (mb << 20) // 40
        ranks = np.arange(n)
        words = np.array(["alpha", "be", "gamma", "delta", "epsilon"])[ranks % 5]
        freq = rng.integers(0, 10**8, n)
        disp = rng.random(n).round(4)
        with open(mixed, "w") as f:
            f.write("# rank lemma frequency dispersion\n")
            for r, w, q, d in zip(ranks, words, freq, disp):
                f.write(f"{r} {w} {q} {d}\n")
    csv = tmp / f"floats_{mb}.csv"
    if not csv.exists():
        n = (mb << 20) // 200
        np.savetxt(csv, rng.standard_normal((n, 10)), delimiter=",", fmt="%.15g")
    quoted = tmp / f"quoted_{mb // 2}.csv"
    if not quoted.exists():
        n = ((mb // 2) << 20) // 24
        vals = rng.standard_normal(n).round(6)
        with open(quoted, "w") as f:
            for i, v in enumerate(vals):
                f.write(f'{i},"w{i % 97}",{v}\n')
    spec = "[('rank','i8'),('lemma','S8'),('frequency','i8'),('dispersion','f8')]"
    qspec = "[('i','i8'),('s','S8'),('x','f8')]"
    rows = []
    for path, dspec, extra, what in [
        (mixed, spec, [spec], "loadtxt: mixed records (i8, S8, i8, f8), whitespace"),
        (csv, "f8", ["f8", ","], "loadtxt: 10-column float CSV"),
        (quoted, qspec, [qspec, ",", '"'], "loadtxt: quoted CSV (i8, quoted S8, f8), quotechar"),
    ]:
        dk = child([str(exe), "loadtxt", str(path), dspec] + extra[1:])
        np_ = numpy_npy_child("loadtxt", path, extra)
        same = dk["check"] == np_["check"] and dk["out_bytes"] == np_["out_bytes"]
        rows.append((what, path.stat().st_size / 2**20, np_["seconds"], dk["seconds"], np_["rss_mb"], dk["rss_mb"], same))
    # genfromtxt and fromregex on the same files (NumPy's are pure Python: minutes at 100 MB).
    pattern = r"(\d+) (\w+) (\d+) (\S+)\n"
    for op, path, args, extra, what in [
        ("genfromtxt", mixed, [spec], [spec], "genfromtxt: mixed records, whitespace"),
        ("genfromtxt", csv, ["f8", ","], ["f8", ","], "genfromtxt: 10-column float CSV"),
        ("fromregex", mixed, [spec, pattern], [spec, pattern], "fromregex: mixed records"),
    ]:
        dk = child([str(exe), op, str(path)] + args)
        np_ = numpy_npy_child(op, path, extra)
        same = dk["check"] == np_["check"] and dk["out_bytes"] == np_["out_bytes"]
        rows.append((what, path.stat().st_size / 2**20, np_["seconds"], dk["seconds"], np_["rss_mb"], dk["rss_mb"], same))
    # savetxt of the same data (loaded once, outside the timing): the float CSV's array
    # with NumPy's default '%.18e', and the mixed records with one format per field.
    for src, fmt, delim, what in [
        (csv, "%.18e", ",", "savetxt: 10-column float array, '%.18e'"),
        (mixed, "%d|%s|%d|%.4f", " ", "savetxt: mixed records, '%d %s %d %.4f'"),
    ]:
        arr_path = tmp / (src.stem + ".npy")
        if not arr_path.exists():
            if src == csv:
                np.save(arr_path, np.loadtxt(src, delimiter=","))
            else:
                np.save(arr_path, np.loadtxt(src, dtype=eval(spec)))
        dk_out, np_out = out_dir(tmp) / "dk_savetxt.txt", out_dir(tmp) / "np_savetxt.txt"
        dk = child([str(exe), "savetxt", str(arr_path), str(dk_out), fmt, delim])
        np_ = numpy_npy_child("savetxt", arr_path, [str(np_out), fmt, delim])
        same = dk_out.read_bytes() == np_out.read_bytes()
        rows.append((what, np_out.stat().st_size / 2**20, np_["seconds"], dk["seconds"], np_["rss_mb"], dk["rss_mb"], same))
        dk_out.unlink()
        np_out.unlink()
    # pandas and polars against dtkit's loadtxt (rows 0 and 1), when installed. The CSV's
    # values must be the same bytes; the mixed file is timed only (their strings are objects).
    import importlib.util
    for lib in ("pandas", "polars"):
        if importlib.util.find_spec(lib) is None:
            print(f"({lib} is not installed: skipped)")
            continue
        for op, path, base, what in [
            (f"{lib}_mixed", mixed, rows[0], f"{lib}.read_csv: mixed records (vs dtkit loadtxt)"),
            (f"{lib}_csv", csv, rows[1], f"{lib}.read_csv: 10-column float CSV (vs dtkit loadtxt)"),
        ]:
            other = numpy_npy_child(op, path, ["f8"])
            dk_check = child([str(exe), "loadtxt", str(path), "f8", ","])["check"] if op.endswith("csv") else None
            same = (other["check"] == dk_check) if dk_check is not None else None
            rows.append((what, base[1], other["seconds"], base[3], other["rss_mb"], base[5], same))
    return rows


# Runs a command and prints its wall time and peak RSS. It is a small process of its own:
# Linux carries a process's peak RSS across fork and exec, so a child forked straight from
# this (large) benchmark process would report this process's peak instead of its own.
TIMER = """
import os, sys, time
t = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - t, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status))
"""


def timed(cmd, runs=3):
    """Best wall time of `runs` runs of a whole process, and its peak RSS (MiB)."""
    best, rss = float("inf"), 0.0
    for _ in range(runs):
        run = subprocess.run([sys.executable, "-c", TIMER, *cmd], capture_output=True, text=True)
        elapsed, peak, code = run.stdout.split()
        if int(code) != 0:
            sys.exit(f"{cmd[0]} failed: {run.stderr[:500]}")
        best, rss = min(best, float(elapsed)), max(rss, float(peak))
    return best, rss


def cli_workloads(tmp, rec_npy, be_path, f_path, side, sensor, csv):
    """dtconvert against the NumPy one-liner doing the same conversion, each a whole process
    (interpreter start and imports included, as a user runs them), on the same files."""
    dtconvert = ROOT / "target" / "release" / "dtconvert"
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "dtconvert"], cwd=ROOT, check=True)
    py = lambda code: [sys.executable, "-c", "import numpy as np\n" + code]
    out = out_dir(tmp)
    dk_out, np_out = out / "dtkit_cli_dk", out / "dtkit_cli_np"
    floats_npy = tmp / (csv.stem + ".npy")
    work = [
        ("big-endian f8 dump -> native .npy", ".npy",
         [str(be_path), "--dtype", ">f8", "--byteorder", "native"],
         f"np.save(OUT, np.fromfile({str(be_path)!r}, '>f8').astype('=f8'))", "bytes"),
        ("structured .npy -> one field (position.az) .npy", ".npy",
         [str(rec_npy), "--field", "position.az"],
         f"np.save(OUT, np.load({str(rec_npy)!r}, mmap_mode='r')['position']['az'])", "bytes"),
        (f"Fortran {side}x{side} f8 dump -> C-order .npy", ".npy",
         [str(f_path), "--dtype", "<f8", "--shape", f"{side},{side}", "--order", "F", "--out-order", "C"],
         f"np.save(OUT, np.ascontiguousarray(np.fromfile({str(f_path)!r}, '<f8').reshape({side}, {side}, order='F')))", "bytes"),
        (".npy -> compressed .npz", ".npz",
         [str(sensor), "--compress", "--name", "arr_0"],
         f"np.savez_compressed(OUT, arr_0=np.load({str(sensor)!r}))", "npz"),
        ("float CSV -> .npy (loadtxt)", ".npy",
         [str(csv), "--delimiter", ",", "--dtype", "f8"],
         f"np.save(OUT, np.loadtxt({str(csv)!r}, delimiter=','))", "bytes"),
        (".npy -> float CSV (savetxt '%.18e')", ".csv",
         [str(floats_npy)],
         f"np.savetxt(OUT, np.load({str(floats_npy)!r}), delimiter=',')", "bytes"),
    ]
    rows = []
    for what, ext, args, code, compare in work:
        a, b = dk_out.with_suffix(ext), np_out.with_suffix(ext)
        td, rd = timed([str(dtconvert), args[0], str(a), *args[1:], "--quiet"])
        tn, rn = timed(py(code.replace("OUT", repr(str(b)))))
        if compare == "bytes":
            same = a.read_bytes() == b.read_bytes()
        else:
            with np.load(a) as x, np.load(b) as y:
                same = x["arr_0"].tobytes() == y["arr_0"].tobytes()
        size = Path(args[0]).stat().st_size / 2**20
        rows.append((what, size, tn, td, rn, rd, same))
        a.unlink(missing_ok=True)
        b.unlink(missing_ok=True)
    print()
    print(f"{'whole process: dtconvert vs NumPy one-liner':56s} {'MiB':>5s} {'numpy s':>8s} {'dtkit s':>8s} {'ratio':>6s} {'RSS':>5s} {'dk RSS':>6s} {'same':>5s}")
    for what, size, tn, td, rn, rd, same in rows:
        print(f"{what:56s} {size:5.0f} {tn:8.3f} {td:8.3f} {tn / td:6.2f} {rn:5.0f} {rd:6.0f} {str(same):>5s}")
    print(f"(each a whole process, best of 3, writing to {out}; peak RSS in MiB, ~10 MiB of it the timer's)")
    return rows


def print_text(text_rows):
    print()
    print(f"{'text workload':56s} {'MiB':>5s} {'other s':>8s} {'dtkit s':>8s} {'ratio':>6s} {'MB/s':>6s} {'dk MB/s':>7s} {'RSS':>5s} {'dk RSS':>6s} {'same':>5s}")
    for what, size, tn, td, rn, rd, same in text_rows:
        shown = "n/a" if same is None else str(same)
        print(f"{what:56s} {size:5.0f} {tn:8.3f} {td:8.3f} {tn / td:6.2f} {size / tn:6.1f} {size / td:7.1f} {rn:5.0f} {rd:6.0f} {shown:>5s}")
    print("(other: NumPy, or the named library; ratio = other time / dtkit time)")
    if any(r[6] is False for r in text_rows):
        sys.exit("dtkit and the other reader produced different bytes")


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

    only = os.environ.get("DTKIT_BENCH_ONLY", "")
    if only == "cli":
        mb, comp_mb = max(4, MB // 10), max(8, MB // 5)
        rec_npy, sensor, csv = tmp / f"records_{MB}.npy", tmp / f"sensor_{comp_mb}.npy", tmp / f"floats_{mb}.csv"
        if not (rec_npy.exists() and sensor.exists() and csv.exists() and (tmp / (csv.stem + ".npy")).exists()):
            sys.exit("run the whole benchmark once first: it writes the input files")
        rows = cli_workloads(tmp, rec_npy, be_path, f_path, side, sensor, csv)
        if not all(r[6] for r in rows):
            sys.exit("dtkit and NumPy produced different bytes")
        return
    if only == "npy":
        rows = npy_workloads(exe, tmp, rec_path, rec_dt, rng)
        print(f"{'workload':52s} {'MiB':>6s} {'numpy s':>8s} {'dtkit s':>8s} {'ratio':>6s} {'np RSS':>7s} {'dk RSS':>7s} {'same':>5s}")
        for what, size, tn, td, rn, rd, same, note in rows:
            print(f"{what:52s} {size:6.0f} {tn:8.3f} {td:8.3f} {tn / td:6.2f} {rn:7.0f} {rd:7.0f} {str(same):>5s}  {note}")
        return
    if only == "text":
        # Only the text workloads (DTKIT_BENCH_ONLY=text).
        print_text(text_workloads(exe, tmp, rng))
        return
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
    npy_rows = npy_workloads(exe, tmp, rec_path, rec_dt, rng)
    print()
    print(f"{'workload':52s} {'MiB':>6s} {'numpy s':>8s} {'dtkit s':>8s} {'ratio':>6s} {'np RSS':>7s} {'dk RSS':>7s} {'same':>5s}")
    for what, size, tn, td, rn, rd, same, note in npy_rows:
        print(f"{what:52s} {size:6.0f} {tn:8.3f} {td:8.3f} {tn / td:6.2f} {rn:7.0f} {rd:7.0f} {str(same):>5s}  {note}")
    print("(RSS: each process's own peak resident memory in MiB; NumPy's includes the interpreter)")
    text_rows = text_workloads(exe, tmp, rng)
    print_text(text_rows)
    npy_rows += [(r[0], r[1], r[2], r[3], r[4], r[5], r[6] is not False, "") for r in text_rows]
    mb = max(4, MB // 10)
    comp_mb = max(8, MB // 5)
    cli_rows = cli_workloads(tmp, tmp / f"records_{MB}.npy", be_path, f_path, side,
                             tmp / f"sensor_{comp_mb}.npy", tmp / f"floats_{mb}.csv")
    npy_rows += [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], "") for r in cli_rows]
    if not all(r[-1] for r in rows) or not all(r[6] for r in npy_rows):
        sys.exit("dtkit and NumPy produced different bytes")


if __name__ == "__main__":
    main()
