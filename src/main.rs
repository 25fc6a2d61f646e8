//! The `kubenines` binary: glue around [`kubenines::cli`].

fn main() -> std::process::ExitCode {
    kubenines::cli::main()
}
