//! Every case of `fixtures/savetxt.json` (NumPy's `savetxt` on an array and options) gives
//! the same text through dtkit, or fails where NumPy fails.

use dtkit::npy;
use dtkit::text::{savetxt, Fmt, SaveTxtOptions};
use serde::Deserialize;

mod common;
use common::hex;

#[derive(Deserialize)]
struct File {
    cases: Vec<Case>,
}

#[derive(Deserialize, Debug)]
struct Case {
    name: String,
    npy: String,
    options: serde_json::Value,
    text: Option<String>,
    error: Option<String>,
}

fn options(v: &serde_json::Value) -> SaveTxtOptions {
    let mut o = SaveTxtOptions::default();
    match v.get("fmt") {
        Some(serde_json::Value::String(s)) => o.fmt = Fmt::Str(s.clone()),
        Some(serde_json::Value::Array(list)) => {
            o.fmt = Fmt::List(
                list.iter()
                    .map(|x| x.as_str().unwrap().to_owned())
                    .collect(),
            )
        }
        _ => {}
    }
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    if let Some(d) = text("delimiter") {
        o.delimiter = d;
    }
    if let Some(d) = text("newline") {
        o.newline = d;
    }
    if let Some(d) = text("header") {
        o.header = d;
    }
    if let Some(d) = text("footer") {
        o.footer = d;
    }
    if let Some(d) = text("comments") {
        o.comments = d;
    }
    o
}

#[test]
fn savetxt_agrees_with_numpy() {
    let path = format!("{}/fixtures/savetxt.json", env!("CARGO_MANIFEST_DIR"));
    let file: File = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut bad = Vec::new();
    for case in &file.cases {
        let bytes = hex(&case.npy);
        let (_, view) = npy::view(&bytes, &npy::ReadOptions::default()).unwrap();
        let mut out = Vec::new();
        let result = savetxt(&view, &mut out, &options(&case.options));
        match (&case.text, &case.error, result) {
            (Some(want), _, Ok(())) => {
                let got = String::from_utf8(out).unwrap();
                if &got != want {
                    bad.push(format!("{}:\n  dtkit {got:?}\n  numpy {want:?}", case.name));
                }
            }
            (Some(_), _, Err(e)) => {
                bad.push(format!("{}: dtkit fails ({e}), NumPy succeeds", case.name))
            }
            (None, Some(np), Ok(())) => {
                bad.push(format!("{}: dtkit succeeds, NumPy: {np}", case.name))
            }
            (None, Some(_), Err(_)) => {}
            (None, None, _) => bad.push(format!("{}: fixture has no outcome", case.name)),
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} cases disagree:\n{}",
        bad.len(),
        file.cases.len(),
        bad.join("\n")
    );
}
