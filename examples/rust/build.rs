// Puts the directory the tvmc crate linked libtvmc from into this
// program's run-time search path, so `cargo run` works without
// LD_LIBRARY_PATH. The tvmc crate publishes it as DEP_TVMC_LIB_DIR.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TVMC_LIB_DIR");
    if let Ok(dir) = std::env::var("DEP_TVMC_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
    }
}
