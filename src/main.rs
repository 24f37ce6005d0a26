//! The `spectro` binary: parses the command line and hands over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    spectro::cli::run(spectro::cli::Cli::parse())
}
