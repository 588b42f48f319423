//! Memory prefetch hints for the gather loops of scoring and fitting, whose random reads of
//! weight rows miss the cache: issuing the load some iterations ahead overlaps the misses
//! with the work in between.

/// Hints the CPU to load the cache lines holding the first and last element of `s`. A hint
/// only: no effect on results, and a no-op off x86-64.
#[inline(always)]
pub(crate) fn prefetch<T>(s: &[T]) {
    #[cfg(target_arch = "x86_64")]
    if let (Some(first), Some(last)) = (s.first(), s.last()) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch never faults and never changes memory; both pointers come from
        // references, so they are valid addresses anyway.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>((first as *const T).cast());
            if s.len() > 1 {
                _mm_prefetch::<_MM_HINT_T0>((last as *const T).cast());
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = s;
}
