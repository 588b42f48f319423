//! Arrays that either own their values or borrow them, without copying, from the bytes a
//! model was loaded from.
//!
//! A model file (format 2, see [`crate::model_file`]) stores its large tables (the hash
//! indexes, the fused weight rows) exactly as they sit in memory, each on a 64-byte
//! boundary. Loading then checks them and points at them instead of rebuilding them: the
//! embedded default model is read in place from the binary's read-only data, a model file
//! is memory-mapped, and model bytes given in memory are copied once into an aligned buffer
//! that the tables share.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use bytemuck::{Pod, Zeroable};

/// Alignment of model bytes and of every table section in them.
pub const ALIGN: usize = 64;

/// One 64-byte-aligned line; a `Vec<Line>` is an aligned byte buffer.
#[derive(Clone, Copy, Pod, Zeroable)]
#[repr(C, align(64))]
pub(crate) struct Line([u8; ALIGN]);

/// Bytes a model was read from, shared by every table that borrows from them.
#[derive(Clone)]
pub(crate) enum Source {
    /// Bytes that live as long as the program (the model embedded in the binary).
    Static(&'static [u8]),
    /// An aligned buffer holding `len` bytes.
    Shared(Arc<Vec<Line>>, usize),
    /// A file mapped into memory read-only.
    Mapped(Arc<memmap2::Mmap>),
}

impl Source {
    /// An aligned copy of `bytes`.
    pub(crate) fn copy_of(bytes: &[u8]) -> Source {
        let mut buf = vec![Line([0; ALIGN]); bytes.len().div_ceil(ALIGN)];
        bytemuck::cast_slice_mut::<Line, u8>(&mut buf)[..bytes.len()].copy_from_slice(bytes);
        Source::Shared(Arc::new(buf), bytes.len())
    }

    /// Maps `file` into memory read-only (page-aligned, so every table is aligned too),
    /// reading it instead when it cannot be mapped (e.g. a pipe).
    ///
    /// The file must not be truncated or rewritten in place while the model is in use:
    /// [`crate::model_file::write_atomic`] replaces a model through a rename, which leaves
    /// a mapped file untouched.
    pub(crate) fn map(file: &std::fs::File) -> std::io::Result<Source> {
        // SAFETY: the mapping is read-only and private; the bytes are only read through
        // `bytes()`, and the documented condition (no in-place rewrite of a model file in
        // use) is how framing itself writes models.
        match unsafe { memmap2::Mmap::map(file) } {
            Ok(map) => Ok(Source::Mapped(Arc::new(map))),
            Err(_) => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut &*file, &mut bytes)?;
                Ok(Source::copy_of(&bytes))
            }
        }
    }

    /// The bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Source::Static(b) => b,
            Source::Mapped(map) => map,
            Source::Shared(buf, len) => &bytemuck::cast_slice::<Line, u8>(buf)[..*len],
        }
    }
}

/// Plain values a table can hold and store little-endian.
pub(crate) trait Value: Pod + PartialEq + fmt::Debug {
    /// Converts between this machine's representation and little-endian (the identity on
    /// a little-endian machine; the same swap both ways).
    fn swap_le(self) -> Self;
}

impl Value for u8 {
    fn swap_le(self) -> Self {
        self
    }
}

impl Value for u32 {
    fn swap_le(self) -> Self {
        u32::from_le(self)
    }
}

impl Value for u64 {
    fn swap_le(self) -> Self {
        u64::from_le(self)
    }
}

impl Value for f32 {
    fn swap_le(self) -> Self {
        f32::from_bits(u32::from_le(self.to_bits()))
    }
}

/// A read-only array: owned, or a range of a model's bytes viewed in place.
#[derive(Clone)]
pub(crate) struct Table<T: Value> {
    inner: Inner<T>,
}

#[derive(Clone)]
enum Inner<T> {
    Owned(Vec<T>),
    /// `len` values from byte `start` of `source`; checked aligned and in range when made.
    Borrowed {
        source: Source,
        start: usize,
        len: usize,
    },
}

impl<T: Value> Table<T> {
    /// `len` values stored little-endian from byte `start` of `source`, in place on a
    /// little-endian machine (copied and converted otherwise). `None` when the range is
    /// out of bounds or not aligned for `T`.
    pub(crate) fn view(source: &Source, start: usize, len: usize) -> Option<Table<T>> {
        let end = len
            .checked_mul(std::mem::size_of::<T>())
            .and_then(|n| n.checked_add(start))?;
        let values: &[T] = bytemuck::try_cast_slice(source.bytes().get(start..end)?).ok()?;
        let inner = if cfg!(target_endian = "little") {
            Inner::Borrowed {
                source: source.clone(),
                start,
                len,
            }
        } else {
            Inner::Owned(values.iter().map(|v| v.swap_le()).collect())
        };
        Some(Table { inner })
    }

    /// `len` zeroed values, filled in by `fill`, starting on a 64-byte line; clones share
    /// them.
    pub(crate) fn aligned(len: usize, fill: impl FnOnce(&mut [T])) -> Table<T> {
        let bytes = len * std::mem::size_of::<T>();
        let mut buf = vec![Line([0; ALIGN]); bytes.div_ceil(ALIGN)];
        fill(&mut bytemuck::cast_slice_mut::<Line, T>(&mut buf)[..len]);
        Table {
            inner: Inner::Borrowed {
                source: Source::Shared(Arc::new(buf), bytes),
                start: 0,
                len,
            },
        }
    }
}

impl<T: Value> From<Vec<T>> for Table<T> {
    fn from(v: Vec<T>) -> Self {
        Table {
            inner: Inner::Owned(v),
        }
    }
}

impl<T: Value> Default for Table<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T: Value> Deref for Table<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match &self.inner {
            Inner::Owned(v) => v,
            Inner::Borrowed { source, start, len } => {
                let bytes = &source.bytes()[*start..*start + *len * std::mem::size_of::<T>()];
                // Checked aligned and in range by `view`; the bytes never move.
                bytemuck::cast_slice(bytes)
            }
        }
    }
}

impl<T: Value> fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Value> PartialEq for Table<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_check_range_and_alignment() {
        let mut bytes = Vec::new();
        for v in [1u32, 2, 3, 4] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let source = Source::copy_of(&bytes);
        let t = Table::<u32>::view(&source, 4, 3).unwrap();
        assert_eq!(&*t, &[2, 3, 4]);
        assert!(Table::<u32>::view(&source, 4, 4).is_none(), "past the end");
        assert!(Table::<u32>::view(&source, 2, 1).is_none(), "misaligned");
        assert!(
            Table::<u32>::view(&source, usize::MAX, 2).is_none(),
            "overflow"
        );
        assert_eq!(Table::<u32>::from(vec![2, 3, 4]), t);
    }

    #[test]
    fn aligned_tables_start_on_a_line_and_are_shared() {
        let t = Table::<f32>::aligned(5, |v| v[4] = 2.0);
        assert_eq!(&*t, &[0.0, 0.0, 0.0, 0.0, 2.0]);
        assert_eq!(t.as_ptr() as usize % ALIGN, 0);
        assert_eq!(t.clone().as_ptr(), t.as_ptr());
    }

    #[test]
    fn copies_and_maps_are_aligned() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let source = Source::copy_of(&data[1..]);
        assert_eq!(source.bytes(), &data[1..]);
        assert_eq!(source.bytes().as_ptr() as usize % ALIGN, 0);
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &data).unwrap();
        let mapped = Source::map(&file).unwrap();
        assert_eq!(mapped.bytes(), &data[..]);
        assert_eq!(mapped.bytes().as_ptr() as usize % ALIGN, 0);
    }
}
