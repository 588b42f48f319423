//! **labels → output**: record writers for `predict` (one per format, behind one trait) and
//! the text renderings of reports.

pub mod label;
pub mod records;
pub mod report;

pub use records::{writer_for, IdValue, RecordWriter};

use std::io::{self, Write};

/// Holds everything written until `flush`, then writes it out at once. Writers flush only
/// after whole records, so whatever reaches the output ends on a record boundary: an
/// interrupted run leaves complete lines only (a plain `BufWriter` writes out whenever its
/// buffer fills, which can be mid-line). Memory is bounded by one batch of output.
pub struct RecordBuffer<W: Write> {
    buf: Vec<u8>,
    inner: W,
}

impl<W: Write> RecordBuffer<W> {
    /// Buffers writes to `inner`.
    pub fn new(inner: W) -> Self {
        RecordBuffer {
            buf: Vec::with_capacity(1 << 16),
            inner,
        }
    }
}

impl<W: Write> Write for RecordBuffer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.write_all(&self.buf);
        self.buf.clear();
        if self.buf.capacity() > 1 << 24 {
            self.buf.shrink_to(1 << 16);
        }
        result?;
        self.inner.flush()
    }
}
