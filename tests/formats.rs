//! Every layout file of `formats/` decodes its fixture (made by gcc, glibc, GNU tar,
//! Python's wave module, numpy-stl or NumPy; see `fixtures/generate.py formats`) to the
//! values the making tool reports in `fixtures/formats/facts.json`.

use std::path::{Path, PathBuf};

use dtkit::format::{Format, Placement};
use dtkit::raw;
use dtkit::{ArrayView, Value};
use serde::Deserialize;
use serde_json::Value as Json;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats")
}

fn facts(name: &str) -> Json {
    let text = std::fs::read_to_string(dir().join("facts.json")).unwrap();
    let all: Json = serde_json::from_str(&text).unwrap();
    all[name].clone()
}

/// The fixture's bytes, the format from the repository's layout file (the same text as
/// the built-in one), and where its records are.
fn load(name: &str) -> (Vec<u8>, Format, Placement) {
    let f = facts(name);
    let bytes = std::fs::read(dir().join(f["file"].as_str().unwrap())).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("formats/{name}.dtype"));
    let format = Format::read(&path).unwrap();
    assert_eq!(format, Format::builtin(name).unwrap());
    let placement = format.place(&bytes, bytes.len() as u64).unwrap();
    (bytes, format, placement)
}

fn records<'a>(bytes: &'a [u8], format: &Format, p: &Placement) -> ArrayView<'a> {
    raw::from_bytes(bytes, &format.raw_options(p)).unwrap()
}

fn header_field(p: &Placement, name: &str) -> Value {
    let Some(Value::Record(fields)) = &p.header else {
        panic!("no header")
    };
    fields.iter().find(|(n, _)| n == name).unwrap().1.clone()
}

fn u(v: &Json) -> u64 {
    v.as_u64().unwrap()
}

#[test]
fn elf64_header_and_program_headers_match_readelf() {
    let f = facts("elf64");
    let (bytes, format, p) = load("elf64");
    assert_eq!(header_field(&p, "e_machine"), Value::UInt(62)); // EM_X86_64
    assert!(f["e_machine_text"].as_str().unwrap().contains("X86-64"));
    assert_eq!(header_field(&p, "e_type"), Value::UInt(3)); // ET_DYN
    for key in [
        "e_entry",
        "e_phoff",
        "e_shoff",
        "e_ehsize",
        "e_phentsize",
        "e_phnum",
        "e_shnum",
        "e_shstrndx",
    ] {
        assert_eq!(header_field(&p, key), Value::UInt(u(&f[key])), "{key}");
    }
    assert_eq!((p.offset, p.count), (u(&f["e_phoff"]), u(&f["e_phnum"])));
    #[derive(Deserialize)]
    struct Phdr {
        p_type: u32,
        p_offset: u64,
        p_vaddr: u64,
        p_filesz: u64,
        p_memsz: u64,
    }
    let phdrs: Vec<Phdr> = records(&bytes, &format, &p).to_structs().unwrap();
    let types = [
        (1, "LOAD"),
        (2, "DYNAMIC"),
        (3, "INTERP"),
        (4, "NOTE"),
        (6, "PHDR"),
        (7, "TLS"),
        (0x6474_e550, "GNU_EH_FRAME"),
        (0x6474_e551, "GNU_STACK"),
        (0x6474_e552, "GNU_RELRO"),
        (0x6474_e553, "GNU_PROPERTY"),
    ];
    let want = f["phdrs"].as_array().unwrap();
    assert_eq!(phdrs.len(), want.len());
    for (got, want) in phdrs.iter().zip(want) {
        let name = types
            .iter()
            .find(|t| t.0 == got.p_type)
            .map_or("?", |t| t.1);
        assert_eq!(name, want["type"].as_str().unwrap());
        assert_eq!(
            (got.p_offset, got.p_vaddr, got.p_filesz, got.p_memsz),
            (
                u(&want["p_offset"]),
                u(&want["p_vaddr"]),
                u(&want["p_filesz"]),
                u(&want["p_memsz"])
            )
        );
    }
    // Anything else is refused by the checks, with what the file holds.
    let wav = std::fs::read(dir().join("tone.wav")).unwrap();
    let err = format.place(&wav, wav.len() as u64).unwrap_err();
    assert!(err.to_string().starts_with("not a file of format elf64: `expect: header.e_ident.magic == b'\\x7fELF'` (line 13) fails, the file has b'RIFF'"), "{err}");
}

#[test]
fn input_events_written_by_a_c_program() {
    let f = facts("input_event");
    let (bytes, format, p) = load("input_event");
    #[derive(Deserialize, Debug, PartialEq)]
    struct Event {
        sec: i64,
        usec: i64,
        #[serde(rename = "type")]
        kind: u16,
        code: u16,
        value: i32,
    }
    let got: Vec<Event> = records(&bytes, &format, &p).to_structs().unwrap();
    let want: Vec<Event> = f["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Event {
            sec: e["sec"].as_i64().unwrap(),
            usec: e["usec"].as_i64().unwrap(),
            kind: e["type"].as_u64().unwrap() as u16,
            code: e["code"].as_u64().unwrap() as u16,
            value: e["value"].as_i64().unwrap() as i32,
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn wtmp_records_written_by_glibc_updwtmp() {
    let f = facts("utmp");
    let (bytes, format, p) = load("utmp");
    #[derive(Deserialize)]
    struct Tv {
        tv_sec: i32,
        tv_usec: i32,
    }
    #[derive(Deserialize)]
    struct Utmp<'a> {
        ut_type: i16,
        ut_pid: i32,
        ut_line: &'a str,
        ut_user: &'a str,
        ut_host: &'a str,
        ut_tv: Tv,
        ut_addr_v6: [i32; 4],
    }
    let got: Vec<Utmp> = records(&bytes, &format, &p).to_structs().unwrap();
    let want = f["records"].as_array().unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(i64::from(g.ut_type), w["ut_type"].as_i64().unwrap());
        assert_eq!(i64::from(g.ut_pid), w["ut_pid"].as_i64().unwrap());
        assert_eq!(g.ut_line, w["ut_line"].as_str().unwrap());
        assert_eq!(g.ut_user, w["ut_user"].as_str().unwrap());
        assert_eq!(g.ut_host, w["ut_host"].as_str().unwrap());
        assert_eq!(i64::from(g.ut_tv.tv_sec), w["tv_sec"].as_i64().unwrap());
        assert_eq!(i64::from(g.ut_tv.tv_usec), w["tv_usec"].as_i64().unwrap());
        assert_eq!(i64::from(g.ut_addr_v6[0]), w["addr0"].as_i64().unwrap());
    }
}

#[test]
fn tar_first_member_header_and_contents() {
    let f = facts("tar");
    let (bytes, format, p) = load("tar");
    assert_eq!(
        header_field(&p, "name"),
        Value::Bytes(f["name"].as_str().unwrap().into())
    );
    assert_eq!(p.count, u(&f["size"]));
    let content = records(&bytes, &format, &p).to_vec::<u8>().unwrap();
    assert_eq!(content, f["content"].as_str().unwrap().as_bytes());
    let octal = |name: &str| match header_field(&p, name) {
        Value::Bytes(b) => u64::from_str_radix(std::str::from_utf8(&b).unwrap().trim(), 8).unwrap(),
        v => panic!("{v:?}"),
    };
    assert_eq!(octal("mtime"), u(&f["mtime"]));
    assert_eq!(octal("mode"), u(&f["mode"]));
    assert_eq!(octal("uid"), u(&f["uid"]));
}

#[test]
fn wav_samples_written_by_pythons_wave_module() {
    let f = facts("wav_pcm16");
    let (bytes, format, p) = load("wav_pcm16");
    assert_eq!(header_field(&p, "rate"), Value::UInt(u(&f["rate"])));
    assert_eq!(p.count, u(&f["frames"]));
    let view = records(&bytes, &format, &p);
    let left = view.clone().field("left").unwrap().to_vec::<i16>().unwrap();
    let right = view.field("right").unwrap().to_vec::<i16>().unwrap();
    let want = |k: &str| -> Vec<i16> {
        f[k].as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap() as i16)
            .collect()
    };
    assert_eq!(left[..8], want("left")[..]);
    assert_eq!(right[..8], want("right")[..]);
    assert_eq!(
        [left[left.len() - 1], right[right.len() - 1]][..],
        want("last")[..]
    );
}

#[test]
fn stl_triangles_written_by_numpy_stl() {
    let f = facts("stl");
    let (bytes, format, p) = load("stl");
    let Value::Bytes(h) = header_field(&p, "header") else {
        panic!()
    };
    assert!(f["header_start"]
        .as_str()
        .unwrap()
        .starts_with(std::str::from_utf8(&h[..10]).unwrap()));
    #[derive(Deserialize)]
    struct Triangle {
        normal: [f32; 3],
        vectors: [[f32; 3]; 3],
    }
    let tris: Vec<Triangle> = records(&bytes, &format, &p).to_structs().unwrap();
    assert_eq!(tris.len() as u64, u(&f["count"]));
    let as_f32 = |v: &Json| v.as_f64().unwrap() as f32;
    for (i, t) in tris.iter().enumerate() {
        for (k, vertex) in t.vectors.iter().enumerate() {
            let want: Vec<f32> = f["vectors"][i][k]
                .as_array()
                .unwrap()
                .iter()
                .map(as_f32)
                .collect();
            assert_eq!(vertex[..], want[..]);
        }
        let want: Vec<f32> = f["normals"][i]
            .as_array()
            .unwrap()
            .iter()
            .map(as_f32)
            .collect();
        assert_eq!(t.normal[..], want[..]);
    }
}

#[test]
fn kitti_points_as_written_by_numpy() {
    let f = facts("kitti_velodyne");
    let (bytes, format, p) = load("kitti_velodyne");
    assert_eq!((p.count, p.trailing), (u(&f["count"]), 0));
    let view = records(&bytes, &format, &p);
    let pts: Vec<[f32; 4]> = view
        .to_structs::<(f32, f32, f32, f32)>()
        .unwrap()
        .into_iter()
        .map(|(x, y, z, i)| [x, y, z, i])
        .collect();
    let as_f32 = |v: &Json| v.as_f64().unwrap() as f32;
    let first: Vec<f32> = f["first"].as_array().unwrap().iter().map(as_f32).collect();
    let last: Vec<f32> = f["last"].as_array().unwrap().iter().map(as_f32).collect();
    assert_eq!(pts[0][..], first[..]);
    assert_eq!(pts[pts.len() - 1][..], last[..]);
    let z = view.field("z").unwrap().to_vec::<f32>().unwrap();
    let mean = z.iter().map(|&v| f64::from(v)).sum::<f64>() / z.len() as f64;
    assert!((mean - f["mean_z"].as_f64().unwrap()).abs() < 1e-9);
}

#[test]
fn mnist_images_and_labels() {
    let f = facts("mnist_idx_images");
    let (bytes, format, p) = load("mnist_idx_images");
    assert_eq!(header_field(&p, "rows"), Value::UInt(28));
    let view = records(&bytes, &format, &p);
    let pixels = view.field("pixels").unwrap();
    assert_eq!(pixels.shape(), [5, 28, 28]);
    let all = pixels.to_vec::<u8>().unwrap();
    for (i, want) in f["pixel_sums"].as_array().unwrap().iter().enumerate() {
        let sum: u64 = all[i * 784..(i + 1) * 784]
            .iter()
            .map(|&v| u64::from(v))
            .sum();
        assert_eq!(sum, u(want));
    }
    let row: Vec<u64> = all[2 * 784 + 10 * 28..2 * 784 + 11 * 28]
        .iter()
        .map(|&v| v.into())
        .collect();
    let want: Vec<u64> = f["image2_row10"]
        .as_array()
        .unwrap()
        .iter()
        .map(u)
        .collect();
    assert_eq!(row, want);

    let f = facts("mnist_idx_labels");
    let (bytes, format, p) = load("mnist_idx_labels");
    let labels = records(&bytes, &format, &p)
        .field("label")
        .unwrap()
        .to_vec::<u8>()
        .unwrap();
    let want: Vec<u8> = f["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| u(v) as u8)
        .collect();
    assert_eq!(labels, want);
    // A truncated file: the header's count no longer fits.
    let err = format.place(&bytes[..10], 10).unwrap_err();
    assert!(
        err.message()
            .contains("5 records of 1 bytes from byte 8 run past the end of the 10-byte file"),
        "{err}"
    );
}

#[test]
fn medkit_radar_is_a_headerless_dump() {
    let bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/raw/medkit_radar.bin"))
            .unwrap();
    let format = Format::builtin("medkit_radar").unwrap();
    let p = format.place(&bytes, bytes.len() as u64).unwrap();
    assert_eq!((p.offset, p.count, &p.header), (0, 4, &None));
    let view = records(&bytes, &format, &p);
    assert_eq!(
        view.field("position.region_ID")
            .unwrap()
            .to_vec::<u16>()
            .unwrap(),
        [1000, 1001, 1002, 1003]
    );
}
