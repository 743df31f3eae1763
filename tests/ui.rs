//! Compile-fail tests of `#[derive(Resource)]`: every error the derive can emit, with its
//! `.stderr`, and pass cases. Regenerate with
//! `TRYBUILD=overwrite cargo test -p fastrs-tests --test ui` and review the diff.
//!
//! Compiler messages change between Rust releases, so the `.stderr` files are for one
//! toolchain: 1.95. On another the test says so and checks nothing, except under `CI=true`,
//! where that is a failure.

const TOOLCHAIN: &str = "rustc 1.95.";

#[test]
fn ui() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    if !version.starts_with(TOOLCHAIN) {
        assert!(
            std::env::var("CI").map_or(true, |ci| ci != "true"),
            "UI tests expect {TOOLCHAIN}x, found {version:?}"
        );
        eprintln!("skipping UI tests: they expect {TOOLCHAIN}x, found {version:?}");
        return;
    }
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
