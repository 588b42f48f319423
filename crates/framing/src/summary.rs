//! Article and corpus summaries: for every head, how many paragraphs got each label, each
//! label's share, and the dominant label; plus paragraphs labeled and blocks skipped.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::pipeline::{Model, Prediction};

/// Running counts for one article or a whole batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Paragraphs labeled.
    pub paragraphs: u64,
    /// Blocks skipped (not prose).
    pub skipped: u64,
    /// Per head (in the model's head order): label → paragraphs.
    pub heads: Vec<(String, BTreeMap<String, u64>)>,
}

impl Tally {
    /// An empty tally for `model`'s heads.
    pub fn new(model: &Model) -> Tally {
        Tally {
            paragraphs: 0,
            skipped: 0,
            heads: model
                .heads()
                .iter()
                .map(|h| (h.field.clone(), BTreeMap::new()))
                .collect(),
        }
    }

    /// Counts one labeled paragraph.
    pub fn add(&mut self, model: &Model, p: &Prediction) {
        self.paragraphs += 1;
        for (h, (_, counts)) in self.heads.iter_mut().enumerate() {
            *counts.entry(model.label(h, p).to_string()).or_insert(0) += 1;
        }
    }

    /// Adds another tally's counts (same model) to this one.
    pub fn merge(&mut self, other: &Tally) {
        self.paragraphs += other.paragraphs;
        self.skipped += other.skipped;
        for ((_, mine), (_, theirs)) in self.heads.iter_mut().zip(&other.heads) {
            for (label, n) in theirs {
                *mine.entry(label.clone()).or_insert(0) += n;
            }
        }
    }

    /// The most frequent label of head `h` (ties: the first in label order), if any.
    pub fn dominant(&self, h: usize) -> Option<&str> {
        let counts = &self.heads.get(h)?.1;
        let best = counts.values().copied().max()?;
        counts
            .iter()
            .find(|(_, &n)| n == best)
            .map(|(l, _)| l.as_str())
    }

    /// The summary as JSON fields: `paragraphs`, `skipped`, and per head `H` the fields
    /// `H_counts`, `H_shares` (label → share of paragraphs) and `dominant_H`.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("paragraphs".into(), self.paragraphs.into());
        m.insert("skipped".into(), self.skipped.into());
        for (h, (field, counts)) in self.heads.iter().enumerate() {
            let total = self.paragraphs.max(1) as f64;
            let shares: Map<String, Value> = counts
                .iter()
                .map(|(l, &n)| {
                    (
                        l.clone(),
                        Value::from(((n as f64 / total) * 1e4).round() / 1e4),
                    )
                })
                .collect();
            let counts: Map<String, Value> = counts
                .iter()
                .map(|(l, &n)| (l.clone(), Value::from(n)))
                .collect();
            m.insert(format!("{field}_counts"), Value::Object(counts));
            m.insert(format!("{field}_shares"), Value::Object(shares));
            m.insert(
                format!("dominant_{field}"),
                self.dominant(h).map(Value::from).unwrap_or(Value::Null),
            );
        }
        m
    }

    /// A one-line human summary: each head's labels by share, then the dominant labels.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (field, counts) in &self.heads {
            let mut v: Vec<(&String, &u64)> = counts.iter().collect();
            v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let total = self.paragraphs.max(1) as f64;
            let items: Vec<String> = v
                .iter()
                .map(|(l, &n)| format!("{l} {:.0}%", 100.0 * n as f64 / total))
                .collect();
            parts.push(format!("{field}: {}", items.join(", ")));
        }
        parts.join("; ")
    }
}
