//! `--output json`: INTERFACE.md's results JSON, pretty-printed.

use super::{Exporter, Results};

pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn write(&self, results: &Results, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, results)?;
        writeln!(out)
    }
}
