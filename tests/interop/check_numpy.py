#!/usr/bin/env python3
"""NumPy interop checks: run dtkit's binaries and compare what they say and write with
what the installed NumPy says and reads.

    python3 tests/interop/check_numpy.py target/debug/dtinspect target/debug/dtconvert

1. For every dtype NumPy accepts in fixtures/dtype/cases.json, `dtinspect dtype SPEC --json`
   must report NumPy's itemsize, alignment, str, byteorder, descr and leaf offsets, and the
   `spec` it prints must give NumPy back an equal dtype.
2. `dtconvert --byteorder` on random records must produce the bytes of NumPy's `astype`.

Prints `N passed, M failed` and exits non-zero on any failure.
"""

import ast
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def to_obj(text):
    try:
        value = ast.literal_eval(text)
    except Exception:
        return text
    return value if isinstance(value, (str, bytes, list, tuple, dict)) else text


def leaves(dt, path="", offset=0, out=None):
    if dt.names is not None:
        for name in dt.names:
            f = dt.fields[name]
            leaves(f[0], name if not path else path + "." + name, offset + f[1], out)
    elif dt.subdtype is not None:
        leaves(dt.subdtype[0], path, offset, out)
    else:
        out.append((path, offset, dt.str))
    return out


def check_dtypes(dtinspect, failures):
    cases = json.loads((ROOT / "fixtures/dtype/cases.json").read_text())["cases"]
    passed = 0
    for case in cases:
        if "error" in case or "unsupported" in case or case.get("numpy_overflow"):
            continue
        spec, align = case["spec"], case["align"]
        if "\x00" in spec:
            continue  # cannot travel in argv; tests/dtype_fixtures.rs covers it in-process
        args = [dtinspect, "dtype", spec, "--json"] + (["--align"] if align else [])
        run = subprocess.run(args, capture_output=True, text=True)
        label = f"{spec!r} align={align}"
        if run.returncode != 0:
            failures.append(f"{label}: dtinspect exit {run.returncode}: {run.stderr.strip()}")
            continue
        got = json.loads(run.stdout)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dt = np.dtype(to_obj(spec), align=align)
            try:
                descr = repr(dt.descr)
            except ValueError:
                descr = None
            want = {
                "itemsize": dt.itemsize,
                "alignment": dt.alignment,
                "str": dt.str,
                "byteorder": dt.byteorder,
                "descr": descr,
                "name": dt.name,
            }
            for key, value in want.items():
                if got[key] != value:
                    failures.append(f"{label}: {key}: dtkit {got[key]!r}, numpy {value!r}")
            got_leaves = [(f["path"], f["offset"], f["dtype"]) for f in got["fields"]]
            if got_leaves != leaves(dt, out=[]):
                failures.append(f"{label}: leaves differ: {got_leaves} vs {leaves(dt, out=[])}")
            # dtkit's own rendering, read by NumPy, must be the same dtype.
            try:
                back = np.dtype(to_obj(got["spec"]))
            except Exception as e:  # noqa: BLE001
                failures.append(f"{label}: numpy cannot read dtkit's spec {got['spec']!r}: {e}")
                continue
            if back != dt or back.itemsize != dt.itemsize:
                failures.append(f"{label}: dtkit's spec {got['spec']!r} is {back} in numpy, not {dt}")
                continue
        passed += 1
    return passed


def check_byteorder(dtconvert, failures):
    rng = np.random.default_rng(1234)
    specs = [
        "[('time','>u8'),('position',[('az','>f4'),('el','>f4')]),('samples','>i2',(64,))]",
        "[('a','<c16'),('b','S5'),('c','>U3'),('d','<M8[ns]'),('e','>f2',(2,3))]",
        ">f8",
        "[('x','<i4'),('y','>i8'),('z','u1')]",
    ]
    passed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, spec in enumerate(specs):
            dt = np.dtype(to_obj(spec))
            raw = rng.integers(0, 256, size=37 * dt.itemsize, dtype=np.uint8).tobytes()
            src = Path(tmp) / f"in{i}.bin"
            src.write_bytes(raw)
            for order in ("little", "big", "native"):
                dst = Path(tmp) / f"out{i}_{order}.bin"
                run = subprocess.run([dtconvert, str(src), str(dst), "--dtype", spec,
                                      "--byteorder", order, "--quiet"], capture_output=True, text=True)
                if run.returncode != 0:
                    failures.append(f"dtconvert {spec!r} {order}: exit {run.returncode}: {run.stderr.strip()}")
                    continue
                code = {"little": "<", "big": ">", "native": "="}[order]
                want = np.frombuffer(raw, dtype=dt).astype(dt.newbyteorder(code)).tobytes()
                if dst.read_bytes() != want:
                    failures.append(f"dtconvert {spec!r} --byteorder {order}: bytes differ from numpy astype")
                    continue
                passed += 1
    return passed


def check_npy(dtconvert, failures):
    """dtconvert raw -> .npy writes exactly what np.save writes, and np.load reads it."""
    rng = np.random.default_rng(99)
    specs = [
        "<f8", ">i2", "|u1", "<c8", "(3,)<f4",
        "[('time','<u8'),('position',[('az','<f4'),('el','>f4')]),('samples','<i2',(8,))]",
        "{'names':['a','b'],'formats':['|u1','<i4'],'offsets':[0,4],'itemsize':12}",
        "[(('Title','t'),'<i8'),('s','S5'),('u','<U2')]",
    ]
    passed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, spec in enumerate(specs):
            dt = np.dtype(to_obj(spec))
            n = int(rng.integers(0, 7))
            raw = rng.integers(0, 256, size=n * dt.itemsize, dtype=np.uint8).tobytes()
            src = Path(tmp) / f"in{i}.bin"
            src.write_bytes(raw)
            dst = Path(tmp) / f"out{i}.npy"
            run = subprocess.run([dtconvert, str(src), str(dst), "--dtype", spec, "--quiet"],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                failures.append(f"dtconvert raw->npy {spec!r}: exit {run.returncode}: {run.stderr.strip()}")
                continue
            want = Path(tmp) / f"want{i}.npy"
            np.save(want, np.frombuffer(raw, dtype=dt))
            if dst.read_bytes() != want.read_bytes():
                failures.append(f"dtconvert raw->npy {spec!r}: bytes differ from np.save")
                continue
            loaded = np.load(dst)
            if loaded.tobytes() != np.frombuffer(raw, dtype=dt).tobytes():
                failures.append(f"np.load of dtconvert's {spec!r} gives other values")
                continue
            passed += 1
    return passed


def check_grown(failures):
    """Files dtkit creates for mapping, appends to and streams load in NumPy."""
    exe = Path(sys.argv[1]).parent / "examples" / "npy_grow"
    passed = 0
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run([str(exe), tmp], capture_output=True, text=True)
        if run.returncode != 0:
            failures.append(f"npy_grow failed: {run.stderr.strip()}")
            return 0
        for name, n in [("created", 4), ("appended", 6), ("streamed", 7)]:
            a = np.load(Path(tmp) / f"{name}.npy")
            want_t = np.arange(n, dtype="<u8")
            want_v = np.stack([np.arange(n) / 2, -np.arange(n)], axis=1).astype(">f4")
            if a.shape != (n,) or not (a["t"] == want_t).all() or not (a["v"] == want_v).all():
                failures.append(f"{name}.npy: numpy reads {a!r}")
                continue
            passed += 1
    return passed


def telemetry(n):
    """The records of examples/structs.rs, computed by NumPy."""
    i = np.arange(n, dtype=np.uint64)
    f = i.astype(np.float64)
    dt = np.dtype([('time', '<u8'), ('station', '<U9'), ('mode', '<U5'),
                   ('position', [('az', '<f4'), ('el', '<f4')]), ('samples', '<i2', (4,)),
                   ('temps', '<f8', (2, 2)), ('ok', '?'), ('pair', [('f0', 'u1'), ('f1', '<f8')])])
    a = np.zeros(n, dt)
    a['time'] = 1_700_000_000_000 + i * 250
    a['station'] = np.array(['alpha', 'b', 'gamma-ray'])[i % 3]
    a['mode'] = np.array(['Idle', 'Scan', 'Track'])[i % 3]
    a['position']['az'] = i.astype(np.float32) * np.float32(0.5)
    a['position']['el'] = -i.astype(np.float32) * np.float32(0.25)
    ii = i.astype(np.int64)
    a['samples'] = np.stack([ii, -ii, ii * 100, -32768 + ii], axis=1).astype(np.int16)
    a['temps'][:, 0, 0] = f + 0.5
    a['temps'][:, 0, 1] = -1.5
    a['temps'][:, 1, 0] = 1e300
    a['temps'][:, 1, 1] = f / 3.0
    a['ok'] = i % 2 == 0
    a['pair']['f0'] = i % 256
    a['pair']['f1'] = 1.0 / (f + 1.0)
    return a


def check_structs(failures):
    """Records dtkit serializes from Rust structs load in NumPy with the dtype NumPy would
    give them and the same values (.npy, compressed .npz, raw dump); records NumPy writes
    deserialize into the same structs."""
    exe = Path(sys.argv[1]).parent / "examples" / "structs"
    want = telemetry(1000)
    passed = 0
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run([str(exe), "write", tmp], capture_output=True, text=True)
        if run.returncode != 0:
            failures.append(f"structs write failed: {run.stderr.strip()}")
            return 0
        loaded = {
            "npy": np.load(Path(tmp) / "telemetry.npy"),
            "npz": np.load(Path(tmp) / "telemetry.npz")["telemetry"],
            "raw": np.fromfile(Path(tmp) / "telemetry.bin", dtype=want.dtype),
        }
        for kind, a in loaded.items():
            if a.dtype != want.dtype or a.tobytes() != want.tobytes():
                failures.append(f"structs {kind}: dtype {a.dtype}, first record {a[:1]!r}")
                continue
            passed += 1
        if run.stdout.strip() != repr(want.dtype.descr).replace("'?'", "'|b1'").replace("'u1'", "'|u1'"):
            failures.append(f"structs descr: {run.stdout.strip()}")
        else:
            passed += 1
        # NumPy writes (big-endian fields too); dtkit reads the structs back.
        other = want.astype(want.dtype.newbyteorder('>'))
        np.save(Path(tmp) / "numpy.npy", other)
        run = subprocess.run([str(exe), "read", str(Path(tmp) / "numpy.npy")],
                             capture_output=True, text=True)
        rows = [json.loads(line) for line in run.stdout.splitlines()]
        if run.returncode != 0 or len(rows) != len(want):
            failures.append(f"structs read: {run.stderr.strip()[:300]}")
            return passed
        for r, w in zip(rows, want):
            got = (r["time"], r["station"], r["mode"], r["position"]["az"], r["position"]["el"],
                   r["samples"], r["temps"], r["ok"], r["pair"])
            exp = (int(w["time"]), str(w["station"]), str(w["mode"]), float(w["position"]["az"]),
                   float(w["position"]["el"]), w["samples"].tolist(), w["temps"].tolist(),
                   bool(w["ok"]), [int(w["pair"]["f0"]), float(w["pair"]["f1"])])
            if got != exp:
                failures.append(f"structs read: {got} != {exp}")
                break
        else:
            passed += 1
    return passed


def check_npz(dtconvert, failures):
    """Archives dtconvert writes (stored and compressed, one member of several MiB that is
    deflated in parallel chunks) load in NumPy with the same values; NumPy's archives
    convert to .npy files identical to np.save's."""
    passed = 0
    rng = np.random.default_rng(5)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big = np.zeros(400_000, dtype=[("t", "<u8"), ("v", ">f4", (3,))])
        big["t"] = np.arange(big.size)
        big["v"] = rng.integers(0, 50, size=(big.size, 3))
        np.save(tmp / "big.npy", big)
        for compress in (False, True):
            out = tmp / f"big_{compress}.npz"
            args = [dtconvert, str(tmp / "big.npy"), str(out), "--name", "log", "--quiet"]
            run = subprocess.run(args + (["--compress"] if compress else []), capture_output=True, text=True)
            if run.returncode != 0:
                failures.append(f"dtconvert npy->npz: {run.stderr.strip()}")
                continue
            with np.load(out) as z:
                if z.files != ["log"] or z["log"].tobytes() != big.tobytes():
                    failures.append(f"npz compress={compress}: numpy reads other data")
                    continue
            passed += 1
        src = tmp / "several.npz"
        np.savez_compressed(src, a=np.arange(5.0), b=np.array([[1, 2], [3, 4]], dtype=">i2"))
        for key in ("a", "b"):
            out = tmp / f"{key}.npy"
            run = subprocess.run([dtconvert, str(src), str(out), "--member", key, "--quiet"], capture_output=True, text=True)
            want = tmp / f"want_{key}.npy"
            with np.load(src) as z:
                np.save(want, z[key])
            if run.returncode != 0 or out.read_bytes() != want.read_bytes():
                failures.append(f"npz member {key} -> npy differs from np.save: {run.stderr.strip()}")
                continue
            passed += 1
        out = tmp / "all.npz"
        run = subprocess.run([dtconvert, str(src), str(out), "--byteorder", "little", "--quiet"], capture_output=True, text=True)
        with np.load(out) as z:
            if run.returncode != 0 or z.files != ["a", "b"] or z["b"].dtype.str != "<i2" or (z["b"] != [[1, 2], [3, 4]]).any():
                failures.append(f"npz -> npz with byte order change: {run.stderr.strip()}")
            else:
                passed += 1
    return passed


def check_text(dtconvert, failures):
    """Random sensor logs with a header, missing values and comments, read by dtconvert
    (genfromtxt options, loadtxt, fromregex) and by NumPy: the same .npy bytes."""
    passed = 0
    rng = np.random.default_rng(9)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for trial in range(6):
            n = int(rng.integers(1, 400))
            t = np.arange(n)
            temp = rng.standard_normal(n).round(int(rng.integers(0, 6)))
            lines = ["# time, temp, ok"]
            for k in range(n):
                cell = "N/A" if rng.random() < 0.1 else ("" if rng.random() < 0.05 else repr(float(temp[k])))
                lines.append(f"{t[k]},{cell},{'True' if k % 3 else 'False'}")
                if rng.random() < 0.05:
                    lines.append("# a remark")
            src = tmp / f"log{trial}.csv"
            src.write_text("\n".join(lines) + "\n")
            cases = [
                (["--names", "--missing", "N/A", "--filling", "-1", "--dtype", "f8"],
                 lambda: np.genfromtxt(src, delimiter=",", names=True, missing_values="N/A", filling_values=-1, dtype="f8")),
                (["--missing", "N/A", "--skiprows", "1", "--usecols", "0,1", "--dtype", "<f4"],
                 lambda: np.genfromtxt(src, delimiter=",", missing_values="N/A", skip_header=1, usecols=(0, 1), dtype="<f4")),
                (["--skiprows", "1", "--usecols", "0", "--dtype", "<i8"],
                 lambda: np.loadtxt(src, delimiter=",", skiprows=1, usecols=(0,), dtype="<i8")),
                (["--regex", r"(\d+),[^,]*,(\w+)", "--dtype", "[('t','<u4'),('ok','S5')]"],
                 lambda: np.fromregex(src, r"(\d+),[^,]*,(\w+)", [("t", "<u4"), ("ok", "S5")], encoding="utf-8")),
            ]
            for k, (args, numpy_read) in enumerate(cases):
                out = tmp / f"out{trial}_{k}.npy"
                run = subprocess.run([dtconvert, str(src), str(out), "--delimiter", ",", "--quiet"] + args,
                                     capture_output=True, text=True)
                want = tmp / f"want{trial}_{k}.npy"
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    np.save(want, numpy_read())
                if run.returncode != 0 or out.read_bytes() != want.read_bytes():
                    failures.append(f"text {args}: dtconvert differs from NumPy ({run.stderr.strip()[:200]})")
                    continue
                passed += 1
    return passed


def check_quoted(dtconvert, failures):
    """Quoted CSV fields (quotechar='"'): the plain shapes the fast path splits, and the
    ones it leaves to the general tokenizer (a doubled quote, text after the closing quote,
    a quoted newline), alone and after 100k plain rows (parsed in pieces): dtconvert's .npy
    bytes are np.loadtxt's, or both refuse the file."""
    passed = 0
    spec = "[('i','<i8'),('s','S6'),('x','<f8')]"
    many = "".join(f'{i},"w{i % 7}",{i}.25\n' for i in range(100_000))
    texts = {
        "plain": '1,"ab",1.5\n2,"c,d#e",2.5 # "comment\n\n3,"",-1e3\n',
        "spaces": '1, "ab",1.5\n2,"cd" ,2.5\n"3"," x ","4.5"\n',
        "crlf": '1,"ab",1.5\r\n2,mid"quote,2.5\r\n',
        "doubled": '1,"a""b",1.5\n',
        "after": '1,"ab"cd,1.5\n',
        "newline": '1,"a\nb",1.5\n2,"c",2\n',
        "bad": '1,"ab",x\n',
        "many": many,
        "many_doubled": many + '5,"a""b",1\n',
        "many_newline": many + '5,"a\nb",1\n',
        "many_bad": many + '5,"a",oops\n',
        # ~6 MiB of rows that each quote a newline: dtconvert reads it in 4 MiB blocks,
        # and a block's last newline is often inside a quoted field.
        "blocks_newlines": "".join(f'{i},"w\n{i % 7}",{i}.5\n' for i in range(300_000)),
        "blocks_bad": "".join(f'{i},"w\n{i % 7}",{i}.5\n' for i in range(300_000)) + '7,"a\nb",bad\n',
        # NumPy skips physical lines first: the skipped line's quote opens nothing.
        "skip_quote": ('"skipped\n' + many, ["--skiprows", "1"], {"skiprows": 1}),
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, text in texts.items():
            text, flags, kwargs = text if isinstance(text, tuple) else (text, [], {})
            src = tmp / f"{name}.csv"
            src.write_bytes(text.encode())
            out, want = tmp / f"{name}.npy", tmp / f"{name}_np.npy"
            run = subprocess.run([dtconvert, str(src), str(out), "--dtype", spec, "--delimiter", ",",
                                  "--quotechar", '"', "--quiet"] + flags, capture_output=True, text=True)
            try:
                np.save(want, np.loadtxt(src, dtype=eval(spec), delimiter=",", quotechar='"', **kwargs))
            except ValueError:
                # dtconvert refuses it too, naming the physical line of the bad value.
                line = text.count("\n")
                if run.returncode == 0 or f"line {line}" not in run.stderr:
                    failures.append(f"quoted {name}: NumPy refuses the file; dtconvert: "
                                    f"exit {run.returncode}, {run.stderr.strip()[:200]}")
                    continue
                passed += 1
                continue
            if run.returncode != 0 or out.read_bytes() != want.read_bytes():
                failures.append(f"quoted {name}: dtconvert differs from NumPy ({run.stderr.strip()[:200]})")
                continue
            passed += 1
    return passed


def main():
    dtinspect, dtconvert = sys.argv[1], sys.argv[2]
    failures = []
    passed = (check_dtypes(dtinspect, failures) + check_byteorder(dtconvert, failures)
              + check_npy(dtconvert, failures) + check_grown(failures) + check_structs(failures) + check_npz(dtconvert, failures)
              + check_text(dtconvert, failures) + check_quoted(dtconvert, failures))
    for f in failures[:50]:
        print("FAIL:", f)
    print(f"numpy {np.__version__} interop: {passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
