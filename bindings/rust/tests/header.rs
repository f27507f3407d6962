//! `tvmc::sys` against `include/tvmc.h`, read as text: every exported
//! function is declared, every `TVM_*` constant (defines and enum members)
//! has the header's value, and every struct has the header's fields in the
//! header's order (a field missing at the end silently reads as its default
//! in C). Skips when the crate is not inside a tvmc checkout.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn read(rel: &str) -> Option<String> {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).ok()
}

/// The text without `/* ... */` comments.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(k) = rest.find("/*") {
        out.push_str(&rest[..k]);
        rest = match rest[k + 2..].find("*/") {
            Some(e) => &rest[k + 2 + e + 2..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `0x8u`, `(-1)`, `12` -> the value.
fn parse_int(v: &str) -> i64 {
    let v = v.trim().trim_start_matches('(').trim_end_matches(')').trim_end_matches(['u', 'U']);
    let (neg, v) = match v.strip_prefix('-') {
        Some(v) => (true, v),
        None => (false, v),
    };
    let x = match v.strip_prefix("0x") {
        Some(h) => i64::from_str_radix(h, 16),
        None => v.parse(),
    }
    .unwrap_or_else(|_| panic!("not an integer: {:?}", v));
    if neg {
        -x
    } else {
        x
    }
}

/// The bodies between `{` and `}` after each `typedef <kind> name`.
fn typedef_bodies<'a>(h: &'a str, kind: &str) -> Vec<(String, &'a str)> {
    let mut out = Vec::new();
    let key = format!("typedef {} ", kind);
    let mut rest = h;
    while let Some(k) = rest.find(&key) {
        let after = &rest[k + key.len()..];
        let name: String = after.chars().take_while(|&c| is_ident(c)).collect();
        match (after.find('{'), after.find('}'), after.find(';')) {
            (Some(o), Some(c), Some(semi)) if o < semi => {
                out.push((name, &after[o + 1..c]));
                rest = &after[c..];
            }
            _ => rest = after,
        }
    }
    out
}

fn header_constants(h: &str) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for line in h.lines() {
        let mut words = line.split_whitespace();
        if let (Some("#define"), Some(name), Some(value), None) =
            (words.next(), words.next(), words.next(), words.next())
        {
            if name.starts_with("TVM_")
                && value.trim_start_matches(['(', '-']).starts_with(|c: char| c.is_ascii_digit())
            {
                out.insert(name.to_string(), parse_int(value));
            }
        }
    }
    for (_, body) in typedef_bodies(h, "enum") {
        let mut next = 0;
        for item in body.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = match item.split_once('=') {
                Some((n, v)) => (n.trim(), parse_int(v)),
                None => (item, next),
            };
            out.insert(name.to_string(), value);
            next = value + 1;
        }
    }
    out
}

/// `pub const NAME: type = value;` of sys.rs.
fn sys_constant(sys: &str, name: &str) -> Option<i64> {
    let key = format!("pub const {}:", name);
    let line = sys.lines().find(|l| l.trim_start().starts_with(&key))?;
    let value = line.split('=').nth(1)?.trim().trim_end_matches(';');
    Some(parse_int(value))
}

#[test]
fn sys_mirrors_the_header() {
    let (h, sys) = match (read("../../include/tvmc.h"), read("src/sys.rs")) {
        (Some(h), Some(s)) => (strip_comments(&h), s),
        _ => {
            eprintln!("include/tvmc.h not found next to the crate: skipped");
            return;
        }
    };
    let mut missing = Vec::new();

    // functions: the identifier before the '(' of each TVMC_API declaration
    let mut nfun = 0;
    for decl in h.split("TVMC_API ").skip(1) {
        let head = &decl[..decl.find('(').unwrap_or(0)];
        let name: String =
            head.chars().rev().take_while(|&c| is_ident(c)).collect::<Vec<_>>().into_iter().rev().collect();
        if name.starts_with("tvm_") {
            nfun += 1;
            if !sys.contains(&format!("pub fn {}(", name)) {
                missing.push(format!("function {}", name));
            }
        }
    }
    assert!(nfun > 100, "only {} functions found in the header", nfun);

    // constants
    let consts = header_constants(&h);
    assert_eq!(consts.get("TVM_COMPILE_RELEASE_CONSTANTS"), Some(&8));
    assert_eq!(consts.get("TVM_OPT_O0"), Some(&-1));
    assert_eq!(consts.get("TVM_GRID_PAD_REFLECTION"), Some(&2));
    for (name, value) in &consts {
        match sys_constant(&sys, name) {
            Some(v) if v == *value => {}
            Some(v) => missing.push(format!("{} is {} in sys.rs but {} in tvmc.h", name, v, value)),
            None => missing.push(format!("constant {}", name)),
        }
    }

    // structs: field names in order
    let structs = typedef_bodies(&h, "struct");
    assert!(structs.len() >= 10);
    for (name, body) in structs {
        let want: Vec<String> = body
            .split(';')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| {
                let last = d.split_whitespace().last().unwrap_or("");
                last.trim_start_matches('*').split('[').next().unwrap_or("").to_string()
            })
            .collect();
        let key = format!("pub struct {} {{", name);
        let got: Vec<String> = match sys.find(&key) {
            Some(k) => {
                let body = &sys[k + key.len()..];
                body[..body.find("\n}").unwrap_or(0)]
                    .lines()
                    .filter_map(|l| l.trim().strip_prefix("pub "))
                    .filter_map(|l| l.split(':').next())
                    .map(str::to_string)
                    .collect()
            }
            None => Vec::new(),
        };
        if got != want {
            missing.push(format!("struct {}: sys.rs has {:?}, tvmc.h {:?}", name, got, want));
        }
    }
    assert!(missing.is_empty(), "sys.rs does not mirror tvmc.h:\n  {}", missing.join("\n  "));
}
