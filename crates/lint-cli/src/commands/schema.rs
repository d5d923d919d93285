//! `plumbline schema [config|input]`: the JSON Schemas shipped with the binary.

use clap::{Args, ValueEnum};

use crate::EXIT_OK;

#[derive(Args)]
pub(crate) struct SchemaArgs {
    /// Which schema: `config` (plumbline.yaml) or `input` (the document a rule reads as `input`).
    #[arg(value_enum, default_value_t = Which::Config)]
    which: Which,
}

#[derive(Clone, Copy, ValueEnum)]
enum Which {
    Config,
    Input,
}

pub(crate) fn run(args: SchemaArgs) -> anyhow::Result<u8> {
    let text = match args.which {
        Which::Config => policy_core::config::SCHEMA,
        Which::Input => policy_core::config::INPUT_SCHEMA,
    };
    print!("{text}");
    if !text.ends_with('\n') {
        println!();
    }
    Ok(EXIT_OK)
}
