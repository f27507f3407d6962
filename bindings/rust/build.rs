//! Finds libtvmc for linking, in this order:
//!   1. the directory in the environment variable `TVMC_LIB_DIR`;
//!   2. `pkg-config --libs-only-L tvmc` (an installed library);
//!   3. `../../build` next to this crate (the meson build tree of a checkout).
//!
//! The directory found is also put in the run-time search path (rpath) of
//! this crate's tests and examples, and published to crates that depend on
//! this one as `DEP_TVMC_LIB_DIR` (the `links = "tvmc"` metadata), so their
//! own build scripts can add the same rpath to their binaries.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn emit_dir(dir: &Path) {
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    println!("cargo:lib_dir={}", dir.display());
}

/// The `-L` directories pkg-config reports for tvmc: `Some(vec![])` when the
/// library is installed in a default location, `None` when pkg-config is
/// missing or does not know tvmc.
fn pkg_config_dirs() -> Option<Vec<PathBuf>> {
    let out = Command::new("pkg-config").args(["--libs-only-L", "tvmc"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(
        text.split_whitespace()
            .filter_map(|tok| tok.strip_prefix("-L"))
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .collect(),
    )
}

fn main() {
    println!("cargo:rerun-if-env-changed=TVMC_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-changed=build.rs");

    let from_env = env::var_os("TVMC_LIB_DIR").filter(|v| !v.is_empty());
    if let Some(dir) = from_env {
        emit_dir(Path::new(&dir));
    } else if let Some(dirs) = pkg_config_dirs() {
        for d in &dirs {
            emit_dir(d);
        }
    } else {
        let manifest = env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is not set");
        let build = Path::new(&manifest).join("..").join("..").join("build");
        if build.join("libtvmc.so").exists() {
            let build = build.canonicalize().unwrap_or(build);
            emit_dir(&build);
        } else {
            println!(
                "cargo:warning=libtvmc not found: set TVMC_LIB_DIR to the directory holding \
                 libtvmc.so, install tvmc (pkg-config), or build it in ../../build"
            );
        }
    }
    println!("cargo:rustc-link-lib=dylib=tvmc");
}
