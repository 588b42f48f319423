//! The per-thread memo tables of featurization (a word's stem, a chunk's character
//! features): 64-bit hash → a small `Copy` value, such as a `(start, len)` range of a side
//! buffer.
//!
//! Open addressing with linear probing over 32-byte slots, grown by doubling up to a fixed
//! capacity. Unlike a general hash map it can [`Memo::prefetch`] a key's slot, so a
//! paragraph's lookups are issued together and their cache misses overlap. The table starts
//! small and zero-filled (key 0 marks an empty slot), so a short run touches little memory.

use crate::hint::prefetch;

/// An empty slot's key; a real key of 0 is stored as 1 (keys are hashes).
const EMPTY: u64 = 0;

/// Slots before the first growth.
const INITIAL_SLOTS: usize = 1024;

/// A key and its value. Aligned to 32 bytes so that no slot straddles two cache lines
/// (the memos' values make 20-byte slots, which 8-byte alignment would let straddle one
/// line boundary in three): a lookup, and its prefetch, touch one line.
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(32))]
struct Slot<V> {
    key: u64,
    value: V,
}

/// A hash → value table; its users clear it when it reaches their limit.
#[derive(Debug, Clone)]
pub(crate) struct Memo<V = (u32, u32)> {
    slots: Vec<Slot<V>>,
    len: usize,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo {
            slots: Vec::new(),
            len: 0,
        }
    }
}

impl<V: Copy + Default> Memo<V> {
    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Forgets every entry (keeps the table).
    pub(crate) fn clear(&mut self) {
        if self.len > 0 {
            self.slots.iter_mut().for_each(|s| *s = Slot::default());
            self.len = 0;
        }
    }

    /// Hints the CPU to load `key`'s first slot.
    #[inline]
    pub(crate) fn prefetch(&self, key: u64) {
        if !self.slots.is_empty() {
            let i = self.home(key);
            prefetch(&self.slots[i..=i]);
        }
    }

    /// The value stored for `key`.
    #[inline]
    pub(crate) fn get(&self, key: u64) -> Option<V> {
        if self.slots.is_empty() {
            return None;
        }
        let key = stored(key);
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let s = self.slots[i];
            if s.key == key {
                return Some(s.value);
            }
            if s.key == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Stores `value` for `key` (not already present), growing the table as needed.
    pub(crate) fn insert(&mut self, key: u64, value: V) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        self.place(stored(key), value);
        self.len += 1;
    }

    /// Replaces the value stored for `key`; does nothing if `key` is absent.
    pub(crate) fn set(&mut self, key: u64, value: V) {
        if self.slots.is_empty() {
            return;
        }
        let key = stored(key);
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let s = &mut self.slots[i];
            if s.key == key {
                s.value = value;
                return;
            }
            if s.key == EMPTY {
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn place(&mut self, key: u64, value: V) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = Slot { key, value };
    }

    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(INITIAL_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); n]);
        for s in old.into_iter().filter(|s| s.key != EMPTY) {
            self.place(s.key, s.value);
        }
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        // The high bits: low bits of these hashes also pick vocabulary slots.
        (key >> 40) as usize & (self.slots.len() - 1)
    }
}

#[inline]
fn stored(key: u64) -> u64 {
    if key == EMPTY {
        1
    } else {
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_finds_grows_and_clears() {
        let mut m = Memo::<(u32, u32)>::default();
        assert_eq!(m.get(5), None);
        m.set(5, (1, 1));
        assert_eq!(m.get(5), None);
        m.prefetch(5);
        let key = |i: u64| (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for i in 0..5000u64 {
            m.insert(key(i), (i as u32, 2 * i as u32));
        }
        assert_eq!(m.len(), 5000);
        for i in 0..5000u64 {
            assert_eq!(m.get(key(i)), Some((i as u32, 2 * i as u32)));
        }
        assert_eq!(m.get(key(5001)), None);
        m.set(key(7), (70, 71));
        assert_eq!(m.get(key(7)), Some((70, 71)));
        assert_eq!(m.get(key(8)), Some((8, 16)));
        m.set(key(5001), (1, 2));
        assert_eq!(m.get(key(5001)), None);
        m.insert(0, (7, 8));
        assert_eq!(m.get(0), Some((7, 8)));
        m.clear();
        assert_eq!(m.len(), 0);
        assert_eq!(m.get(key(3)), None);
    }
}
