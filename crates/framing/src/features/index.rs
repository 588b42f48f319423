//! The vocabulary's hash index: n-gram hash → feature id, tuned for the hot path.
//!
//! Open addressing with linear probing over one `u64` per slot: the high 32 bits of the
//! n-gram's hash as a fingerprint, the low 32 bits the feature id (the slot is chosen by the
//! hash's low bits, so a match checks 32 + log2(slots) bits of the 64-bit hash). One probe
//! is one memory load, and [`HashIndex::lookup_all`] issues the first probe of every
//! n-gram of a document before resolving any, so the cache misses overlap.

use crate::store::Table;

const EMPTY: u64 = u64::MAX;

/// A fixed hash → id map.
#[derive(Debug, Clone)]
pub struct HashIndex {
    mask: usize,
    slots: Table<u64>,
}

impl HashIndex {
    /// Builds the index of `hashes` (id = position). Returns the position of the first
    /// repeated hash, if any.
    pub fn new(hashes: &[u64]) -> Result<HashIndex, usize> {
        let cap = (hashes.len() * 2).next_power_of_two().max(16);
        let mask = cap - 1;
        let mut slots = vec![EMPTY; cap];
        for (id, &h) in hashes.iter().enumerate() {
            let mut i = h as usize & mask;
            loop {
                let e = slots[i];
                if e == EMPTY {
                    slots[i] = (h & !0xffff_ffff) | id as u64;
                    break;
                }
                if e >> 32 == h >> 32 {
                    return Err(id);
                }
                i = (i + 1) & mask;
            }
        }
        Ok(HashIndex {
            mask,
            slots: slots.into(),
        })
    }

    /// An index from its stored slots, for ids `0..n_ids`. Checks what lookups rely on:
    /// a power-of-two slot count, a free slot (so every probe ends), and every id present
    /// exactly once. (That each id sits where its n-gram's hash leads is the writer's
    /// promise, kept by the model file's checksum.)
    pub(crate) fn from_slots(slots: Table<u64>, n_ids: usize) -> Result<HashIndex, String> {
        if !slots.len().is_power_of_two() {
            return Err(format!("{} index slots is not a power of two", slots.len()));
        }
        if n_ids >= slots.len() {
            return Err(format!(
                "{n_ids} ids do not fit {} index slots with one free",
                slots.len()
            ));
        }
        let mut seen = vec![false; n_ids];
        let mut found = 0usize;
        for &e in slots.iter().filter(|&&e| e != EMPTY) {
            match seen.get_mut(e as u32 as usize) {
                Some(s) if !*s => *s = true,
                _ => {
                    return Err(format!(
                        "index slot holds a bad or repeated id {}",
                        e as u32
                    ))
                }
            }
            found += 1;
        }
        if found != n_ids {
            return Err(format!("index holds {found} ids, expected {n_ids}"));
        }
        Ok(HashIndex {
            mask: slots.len() - 1,
            slots,
        })
    }

    /// The slots, as a model file stores them.
    pub(crate) fn slots(&self) -> &[u64] {
        &self.slots
    }

    /// The id of `h`, if present.
    #[inline]
    pub fn get(&self, h: u64) -> Option<u32> {
        self.view().get(h)
    }

    /// The index borrowed as a plain slice, for loops that look up many hashes (no
    /// per-lookup resolution of where the slots live).
    #[inline]
    pub(crate) fn view(&self) -> IndexView<'_> {
        IndexView {
            slots: &self.slots,
            mask: self.mask,
        }
    }

    /// Calls `f(id)` for every hash of `hashes` that is present, in order. `first` is a
    /// reusable buffer.
    pub fn lookup_all(&self, hashes: &[u64], first: &mut Vec<u64>, mut f: impl FnMut(u32)) {
        // Pass 1: independent loads of every first probe (the CPU overlaps the misses).
        let IndexView { slots, mask } = self.view();
        first.clear();
        first.extend(hashes.iter().map(|&h| slots[h as usize & mask]));
        // Pass 2: resolve; further probes are mostly in the same cache line.
        for (&h, &e) in hashes.iter().zip(first.iter()) {
            if e == EMPTY {
                continue;
            }
            if e >> 32 == h >> 32 {
                f(e as u32);
            } else if let Some(id) = get_from(slots, mask, (h as usize + 1) & mask, h) {
                f(id);
            }
        }
    }
}

/// A [`HashIndex`] borrowed as a slice.
#[derive(Clone, Copy)]
pub(crate) struct IndexView<'a> {
    slots: &'a [u64],
    mask: usize,
}

impl IndexView<'_> {
    /// The id of `h`, if present.
    #[inline]
    pub(crate) fn get(self, h: u64) -> Option<u32> {
        get_from(self.slots, self.mask, h as usize & self.mask, h)
    }
}

/// Probes `slots` for `h` from slot `i` on.
#[inline]
fn get_from(slots: &[u64], mask: usize, mut i: usize, h: u64) -> Option<u32> {
    loop {
        let e = slots[i];
        if e == EMPTY {
            return None;
        }
        if e >> 32 == h >> 32 {
            return Some(e as u32);
        }
        i = (i + 1) & mask;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mix(i: u64) -> u64 {
        let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^= x >> 29;
        x.wrapping_mul(0xBF58_476D_1CE4_E5B9)
    }

    #[test]
    fn finds_every_key_and_no_other() {
        let keys: Vec<u64> = (0..5000).map(mix).collect();
        let index = HashIndex::new(&keys).unwrap();
        for (id, &k) in keys.iter().enumerate() {
            assert_eq!(index.get(k), Some(id as u32));
        }
        for i in 5000..20000 {
            assert_eq!(index.get(mix(i)), None);
        }
        let probe: Vec<u64> = (4990..5010).map(mix).collect();
        let mut got = Vec::new();
        index.lookup_all(&probe, &mut Vec::new(), |id| got.push(id));
        assert_eq!(got, (4990..5000).collect::<Vec<u32>>());
    }

    #[test]
    fn colliding_low_bits_probe_on() {
        // Same slot (low bits), different fingerprints.
        let keys = [1u64 << 40 | 5, 2u64 << 40 | 5, 3u64 << 40 | 5];
        let index = HashIndex::new(&keys).unwrap();
        assert_eq!(index.get(keys[2]), Some(2));
        assert_eq!(index.get(4u64 << 40 | 5), None);
    }

    #[test]
    fn stored_slots_are_checked() {
        let keys: Vec<u64> = (0..100).map(mix).collect();
        let index = HashIndex::new(&keys).unwrap();
        let slots = index.slots().to_vec();
        let back = HashIndex::from_slots(slots.clone().into(), 100).unwrap();
        assert_eq!(back.get(keys[42]), Some(42));
        assert!(
            HashIndex::from_slots(slots.clone().into(), 99).is_err(),
            "id out of range"
        );
        assert!(HashIndex::from_slots(slots[..255].to_vec().into(), 100).is_err());
        let mut repeated = slots.clone();
        let first = repeated.iter().position(|&e| e != EMPTY).unwrap();
        let other = repeated.iter().rposition(|&e| e != EMPTY).unwrap();
        repeated[other] = repeated[first];
        assert!(
            HashIndex::from_slots(repeated.into(), 100).is_err(),
            "repeated id"
        );
        let full = vec![0u64; 16];
        assert!(
            HashIndex::from_slots(full.into(), 16).is_err(),
            "no free slot"
        );
    }

    #[test]
    fn repeated_hashes_are_reported() {
        assert_eq!(HashIndex::new(&[7, 9, 7]).unwrap_err(), 2);
    }
}
