//! Compressed sparse row (CSR) matrices: the only shape features ever take. No code path
//! builds a dense documents × vocabulary matrix except [`CsrMatrix::to_dense`], which exists
//! for the linfa oracle solver on small problems.

use ndarray::Array2;

/// A sparse row-major matrix of `f32` values with `u32` column indices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CsrMatrix {
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

/// One sparse row: column indices (strictly increasing) and their values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseRow<'a> {
    /// Column indices, strictly increasing.
    pub indices: &'a [u32],
    /// Values, one per index.
    pub values: &'a [f32],
}

impl SparseRow<'_> {
    /// The row's Euclidean norm.
    pub fn norm(&self) -> f32 {
        self.values.iter().map(|v| v * v).sum::<f32>().sqrt()
    }
}

impl CsrMatrix {
    /// An empty matrix with `n_cols` columns and no rows.
    pub fn new(n_cols: usize) -> Self {
        CsrMatrix {
            n_cols,
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Appends a row. `indices` must be strictly increasing and below `n_cols`
    /// (checked in debug builds; the featurizer guarantees it).
    pub fn push_row(&mut self, indices: &[u32], values: &[f32]) {
        debug_assert_eq!(indices.len(), values.len());
        debug_assert!(indices.windows(2).all(|w| w[0] < w[1]));
        debug_assert!(indices.iter().all(|&i| (i as usize) < self.n_cols));
        self.indices.extend_from_slice(indices);
        self.values.extend_from_slice(values);
        self.indptr.push(self.indices.len());
    }

    /// The columns at least one row stores, in order, and the matrix restricted to them
    /// (column `j` of the result is column `used[j]` of `self`); `None` when every column
    /// is used.
    pub fn used_columns(&self) -> Option<(Vec<u32>, CsrMatrix)> {
        let mut new_index = vec![u32::MAX; self.n_cols];
        for &i in &self.indices {
            new_index[i as usize] = 0;
        }
        let mut used = Vec::new();
        for (i, slot) in new_index.iter_mut().enumerate() {
            if *slot == 0 {
                *slot = used.len() as u32;
                used.push(i as u32);
            }
        }
        if used.len() == self.n_cols {
            return None;
        }
        let compact = CsrMatrix {
            n_cols: used.len(),
            indptr: self.indptr.clone(),
            // The map is increasing, so each row's indices stay strictly increasing.
            indices: self
                .indices
                .iter()
                .map(|&i| new_index[i as usize])
                .collect(),
            values: self.values.clone(),
        };
        Some((used, compact))
    }

    /// Appends every row of `other` (same column count).
    pub fn append(&mut self, other: &CsrMatrix) {
        debug_assert_eq!(self.n_cols, other.n_cols);
        let base = self.indices.len();
        self.indices.extend_from_slice(&other.indices);
        self.values.extend_from_slice(&other.values);
        self.indptr
            .extend(other.indptr[1..].iter().map(|&p| p + base));
    }

    /// The rows of `parts`, in order, in one matrix with `n_cols` columns. Each part is
    /// freed as soon as it is copied, so memory peaks near one copy of the rows, not two.
    pub fn concat(n_cols: usize, parts: Vec<CsrMatrix>) -> CsrMatrix {
        let nnz = parts.iter().map(CsrMatrix::nnz).sum();
        let rows = parts.iter().map(CsrMatrix::n_rows).sum::<usize>();
        let mut out = CsrMatrix::new(n_cols);
        out.indices.reserve_exact(nnz);
        out.values.reserve_exact(nnz);
        out.indptr.reserve_exact(rows);
        for p in parts {
            out.append(&p);
        }
        out
    }

    /// Releases spare capacity (rows are pushed into growing buffers).
    pub fn shrink_to_fit(&mut self) {
        self.indices.shrink_to_fit();
        self.values.shrink_to_fit();
        self.indptr.shrink_to_fit();
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored (non-zero) entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row `i`. Panics if `i >= n_rows()` (an internal invariant, not user data).
    pub fn row(&self, i: usize) -> SparseRow<'_> {
        let (s, e) = (self.indptr[i], self.indptr[i + 1]);
        SparseRow {
            indices: &self.indices[s..e],
            values: &self.values[s..e],
        }
    }

    /// Iterates over the rows in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = SparseRow<'_>> + '_ {
        (0..self.n_rows()).map(move |i| self.row(i))
    }

    /// A new matrix holding the rows `rows`, in that order.
    pub fn select_rows(&self, rows: &[usize]) -> CsrMatrix {
        let mut out = CsrMatrix::new(self.n_cols);
        for &r in rows {
            let row = self.row(r);
            out.push_row(row.indices, row.values);
        }
        out
    }

    /// The transpose (`n_cols × n_rows`), built by a counting sort in O(nnz). Row `j` of the
    /// result lists, in increasing order, the rows of `self` where column `j` is non-zero.
    pub fn transpose(&self) -> CsrMatrix {
        let mut counts = vec![0usize; self.n_cols + 1];
        for &j in &self.indices {
            counts[j as usize + 1] += 1;
        }
        for j in 0..self.n_cols {
            counts[j + 1] += counts[j];
        }
        let indptr = counts.clone();
        let mut next = counts;
        let mut indices = vec![0u32; self.nnz()];
        let mut values = vec![0f32; self.nnz()];
        for i in 0..self.n_rows() {
            let row = self.row(i);
            for (&j, &v) in row.indices.iter().zip(row.values) {
                let slot = &mut next[j as usize];
                indices[*slot] = i as u32;
                values[*slot] = v;
                *slot += 1;
            }
        }
        CsrMatrix {
            n_cols: self.n_rows(),
            indptr,
            indices,
            values,
        }
    }

    /// A dense copy. Only for small problems (the linfa solver and tests).
    pub fn to_dense(&self) -> Array2<f64> {
        let mut d = Array2::zeros((self.n_rows(), self.n_cols));
        for (i, row) in self.rows().enumerate() {
            for (&j, &v) in row.indices.iter().zip(row.values) {
                d[(i, j as usize)] = v as f64;
            }
        }
        d
    }
}

impl linfa::dataset::Records for CsrMatrix {
    type Elem = f32;

    fn nsamples(&self) -> usize {
        self.n_rows()
    }

    fn nfeatures(&self) -> usize {
        self.n_cols
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_columns_compacts_and_keeps_rows() {
        let mut m = CsrMatrix::new(6);
        m.push_row(&[1, 4], &[0.5, 1.0]);
        m.push_row(&[], &[]);
        m.push_row(&[4, 5], &[2.0, 3.0]);
        let (used, c) = m.used_columns().unwrap();
        assert_eq!(used, [1, 4, 5]);
        assert_eq!(c.n_cols(), 3);
        assert_eq!(c.n_rows(), 3);
        assert_eq!(c.row(0).indices, [0, 1]);
        assert!(c.row(1).indices.is_empty());
        assert_eq!(c.row(2).indices, [1, 2]);
        assert_eq!(c.row(2).values, [2.0, 3.0]);
        let mut full = CsrMatrix::new(2);
        full.push_row(&[0, 1], &[1.0, 1.0]);
        assert!(full.used_columns().is_none());
    }

    #[test]
    fn build_select_append_dense() {
        let mut m = CsrMatrix::new(4);
        m.push_row(&[0, 3], &[1.0, 2.0]);
        m.push_row(&[], &[]);
        m.push_row(&[2], &[5.0]);
        assert_eq!((m.n_rows(), m.n_cols(), m.nnz()), (3, 4, 3));
        let s = m.select_rows(&[2, 0]);
        assert_eq!(s.row(0).indices, &[2]);
        assert_eq!(s.row(1).values, &[1.0, 2.0]);
        let mut a = m.clone();
        a.append(&s);
        assert_eq!(a.n_rows(), 5);
        assert_eq!(a.row(4).indices, &[0, 3]);
        let d = m.to_dense();
        assert_eq!(d[(0, 3)], 2.0);
        assert_eq!(d[(1, 0)], 0.0);
        let t = m.transpose();
        assert_eq!((t.n_rows(), t.n_cols()), (4, 3));
        assert_eq!(t.to_dense(), d.t());
        assert_eq!(t.transpose(), m);
    }
}
