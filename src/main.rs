//! The `spectro` binary: parses the command line and hands over to the library.

fn main() -> std::process::ExitCode {
    match spectro::cli::parse_args() {
        Ok(cli) => spectro::cli::run(cli),
        Err(code) => code,
    }
}
