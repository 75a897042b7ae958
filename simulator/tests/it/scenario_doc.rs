//! `docs/scenario.md` against the parser: every documented field exists
//! with its type and default, and every field the parser reads is
//! documented.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use courier_sim::Scenario;

/// One documented field: its TOML type and its default as written.
#[derive(Debug)]
struct Documented {
    kind: String,
    default: String,
}

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The field tables of docs/scenario.md, by dotted path.
fn documented() -> BTreeMap<String, Documented> {
    let text = std::fs::read_to_string(manifest().join("../docs/scenario.md")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            // Field tables have six columns; the CSV column tables four.
            (cells.len() == 6).then(|| {
                (
                    cells[0].trim_matches('`').to_owned(),
                    Documented {
                        kind: cells[1].to_owned(),
                        default: cells[3].trim_matches('`').to_owned(),
                    },
                )
            })
        })
        .collect()
}

/// Every key of a parsed scenario, dotted, with its TOML value; arrays of
/// tables give their own key and their elements' keys.
fn flatten(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, toml::Value>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        toml::Value::Array(items) => {
            out.insert(prefix.to_owned(), value.clone());
            for item in items.iter().filter(|i| i.is_table()) {
                flatten(prefix, item, out);
            }
        }
        v => {
            out.insert(prefix.to_owned(), v.clone());
        }
    }
}

fn keys_of(s: &Scenario) -> BTreeMap<String, toml::Value> {
    let mut out = BTreeMap::new();
    flatten("", &toml::Value::try_from(s).unwrap(), &mut out);
    out
}

fn shipped() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(manifest().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(manifest().join("history/replay.toml"));
    files
}

fn type_matches(kind: &str, v: &toml::Value) -> bool {
    match v {
        toml::Value::String(_) => kind == "string" || kind == "path",
        toml::Value::Integer(_) => kind == "integer",
        toml::Value::Float(_) => kind == "float",
        toml::Value::Boolean(_) => kind == "bool",
        toml::Value::Array(_) => kind.starts_with("array") || kind.starts_with('['),
        _ => false,
    }
}

#[test]
fn every_field_the_parser_reads_is_documented_with_its_type() {
    let doc = documented();
    assert!(doc.len() > 40, "the doc's tables were read: {}", doc.len());
    let mut seen = BTreeSet::new();
    for file in shipped() {
        let s = Scenario::load(&file).unwrap();
        for (key, value) in keys_of(&s) {
            let d = doc
                .get(&key)
                .unwrap_or_else(|| panic!("{key} (in {}) is not in docs/scenario.md", file.display()));
            assert!(
                type_matches(&d.kind, &value),
                "{key}: documented {} but reads {value:?}",
                d.kind
            );
            seen.insert(key);
        }
    }
    let never: Vec<&String> = doc.keys().filter(|k| !seen.contains(*k)).collect();
    assert!(
        never.is_empty(),
        "documented but not read from any shipped scenario: {never:?}"
    );
}

/// `text` without the line setting `key` in `[section]` (top level: "").
fn without(text: &str, section: &str, key: &str) -> String {
    let mut current = String::new();
    text.lines()
        .filter(|l| {
            let t = l.trim();
            if t.starts_with('[') {
                current = t.trim_matches(|c| c == '[' || c == ']').to_owned();
                return true;
            }
            !(current == section && t.split('=').next().is_some_and(|k| k.trim() == key))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn documented_defaults_are_the_parsers_and_required_fields_are_required() {
    let path = manifest().join("scenarios/steady.toml");
    let steady = std::fs::read_to_string(&path).unwrap();
    let mut checked = 0;
    for (field, d) in documented() {
        // Arrays of tables and the history are checked by the shipped
        // scenarios that use them.
        if d.kind == "array of tables"
            || field.starts_with("couriers.shifts.")
            || field.starts_with("failures.")
            || field.starts_with("promotions.")
            || field.starts_with("history.")
        {
            continue;
        }
        let (section, key) = field.rsplit_once('.').unwrap_or(("", &field));
        let text = without(&steady, section, key);
        let parsed = Scenario::parse(&text, &path);
        if d.default == "none" {
            let s = parsed.unwrap_or_else(|e| panic!("{field} left out: {e}"));
            assert!(!keys_of(&s).contains_key(&field), "{field} is absent by default");
        } else if d.default.starts_with("required") {
            let e = parsed.expect_err(&field);
            assert_eq!(e.field, field, "{e}");
        } else {
            let s = parsed.unwrap_or_else(|e| panic!("{field} left out: {e}"));
            let want: toml::Table = toml::from_str(&format!("v = {}", d.default)).unwrap();
            assert_eq!(keys_of(&s).get(&field), want.get("v"), "{field}'s default");
        }
        checked += 1;
    }
    assert!(checked > 30, "{checked}");
}
