//! A bad value in a `const` configuration, or in `settings!`, fails the
//! build, and the compiler message names the field.
#[test]
fn bad_const_configs_fail_to_compile_naming_the_field() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/good_static.rs");
    t.compile_fail("tests/ui/bad_threshold.rs");
    t.compile_fail("tests/ui/bad_retry.rs");
    t.compile_fail("tests/ui/bad_settings.rs");
}
