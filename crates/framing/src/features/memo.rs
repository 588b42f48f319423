//! The per-thread memo tables of featurization (a word's stem, a chunk's character
//! features): 64-bit hash → a `(start, len)` range of a side buffer.
//!
//! Open addressing with linear probing over 16-byte slots, grown by doubling up to a fixed
//! capacity. Unlike a general hash map it can [`Memo::prefetch`] a key's slot, so a
//! paragraph's lookups are issued together and their cache misses overlap. The table starts
//! small and zero-filled (key 0 marks an empty slot), so a short run touches little memory.

use crate::hint::prefetch;

/// An empty slot's key; a real key of 0 is stored as 1 (keys are hashes).
const EMPTY: u64 = 0;

/// Slots before the first growth.
const INITIAL_SLOTS: usize = 1024;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    key: u64,
    start: u32,
    len: u32,
}

/// A hash → range table holding at most `limit` entries.
#[derive(Debug, Clone, Default)]
pub(crate) struct Memo {
    slots: Vec<Slot>,
    len: usize,
}

impl Memo {
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

    /// The range stored for `key`.
    #[inline]
    pub(crate) fn get(&self, key: u64) -> Option<(u32, u32)> {
        if self.slots.is_empty() {
            return None;
        }
        let key = stored(key);
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let s = self.slots[i];
            if s.key == key {
                return Some((s.start, s.len));
            }
            if s.key == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Stores `range` for `key` (not already present), growing the table as needed.
    pub(crate) fn insert(&mut self, key: u64, range: (u32, u32)) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        self.place(stored(key), range);
        self.len += 1;
    }

    fn place(&mut self, key: u64, (start, len): (u32, u32)) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = Slot { key, start, len };
    }

    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(INITIAL_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); n]);
        for s in old.into_iter().filter(|s| s.key != EMPTY) {
            self.place(s.key, (s.start, s.len));
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
        let mut m = Memo::default();
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
        m.insert(0, (7, 8));
        assert_eq!(m.get(0), Some((7, 8)));
        m.clear();
        assert_eq!(m.len(), 0);
        assert_eq!(m.get(key(3)), None);
    }
}
