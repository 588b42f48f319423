//! Checks the shipped corpus (`labeled-data/recognition-debate.jsonl`) against the targets
//! of its datasheet: size, shape, label proportions, and no near-duplicate paragraphs (no
//! two paragraphs share more than 30% of their word 5-gram shingles).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../labeled-data/recognition-debate.jsonl"
);
const FRAMES: [&str; 7] = [
    "security-pragmatism",
    "human-rights",
    "great-power-rivalry",
    "economic-interest",
    "legitimacy-norms",
    "governance-stability",
    "other",
];
const STANCES: [&str; 3] = ["favor", "against", "neutral"];

fn rows() -> Vec<Value> {
    let text = std::fs::read_to_string(CORPUS).expect("corpus file");
    text.lines()
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: {e}", i + 1)))
        .collect()
}

fn s<'a>(r: &'a Value, k: &str) -> &'a str {
    r[k].as_str()
        .unwrap_or_else(|| panic!("{}: field {k} missing or not a string", r["id"]))
}

#[test]
fn schema_and_labels_follow_the_codebook() {
    let rows = rows();
    let mut ids = HashSet::new();
    for r in &rows {
        assert!(
            ids.insert(s(r, "id").to_string()),
            "duplicate id {}",
            r["id"]
        );
        for k in ["doc", "text", "genre", "topic"] {
            assert!(!s(r, k).is_empty(), "{}: empty {k}", r["id"]);
        }
        let frame = s(r, "frame");
        assert!(FRAMES.contains(&frame), "{}: frame {frame}", r["id"]);
        assert!(STANCES.contains(&s(r, "stance")), "{}: stance", r["id"]);
        let frames: Vec<&str> = r["frames"]
            .as_array()
            .expect("frames list")
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(frames.contains(&frame), "{}: frames lacks frame", r["id"]);
        assert!(
            frames.iter().all(|f| FRAMES.contains(f)),
            "{}: bad frames",
            r["id"]
        );
    }
}

#[test]
fn sizes_and_proportions_meet_the_datasheet() {
    let rows = rows();
    let n = rows.len();
    assert!(n >= 2000, "{n} paragraphs");
    let mut docs: BTreeMap<&str, usize> = BTreeMap::new();
    let mut frames: HashMap<&str, usize> = HashMap::new();
    let mut stances: HashMap<&str, usize> = HashMap::new();
    let mut hard = 0;
    let mut analog_docs = HashSet::new();
    let mut in_band = 0;
    for r in &rows {
        *docs.entry(s(r, "doc")).or_default() += 1;
        *frames.entry(s(r, "frame")).or_default() += 1;
        *stances.entry(s(r, "stance")).or_default() += 1;
        let words = s(r, "text").split_whitespace().count();
        assert!((25..=160).contains(&words), "{}: {words} words", r["id"]);
        in_band += (40..=100).contains(&words) as usize;
        if r["hard"].is_string() || r["frames"].as_array().unwrap().len() > 1 {
            hard += 1;
        }
        if s(r, "topic") != "afghanistan" {
            analog_docs.insert(s(r, "doc"));
        }
    }
    assert!(docs.len() >= 200, "{} docs", docs.len());
    for (d, k) in &docs {
        assert!((5..=14).contains(k), "doc {d} has {k} paragraphs");
    }
    for f in FRAMES {
        assert!(
            frames.get(f).copied().unwrap_or(0) >= 150,
            "frame {f}: {:?}",
            frames.get(f)
        );
    }
    for st in STANCES {
        let share = stances.get(st).copied().unwrap_or(0) as f64 / n as f64;
        assert!(share >= 0.20, "stance {st}: {share:.3}");
    }
    assert!(hard as f64 / n as f64 >= 0.20, "hard cases {hard}/{n}");
    assert!(
        in_band as f64 / n as f64 >= 0.5,
        "most paragraphs 40-100 words"
    );
    let analog = analog_docs.len() as f64 / docs.len() as f64;
    assert!(
        (0.2..=0.35).contains(&analog),
        "analog docs share {analog:.2}"
    );
}

fn shingles(text: &str) -> HashSet<u64> {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words
        .windows(5)
        .map(|w| {
            let mut h = DefaultHasher::new();
            w.hash(&mut h);
            h.finish()
        })
        .collect()
}

#[test]
fn no_near_duplicate_paragraphs() {
    let rows = rows();
    let sets: Vec<HashSet<u64>> = rows.iter().map(|r| shingles(s(r, "text"))).collect();
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, set) in sets.iter().enumerate() {
        for &g in set {
            index.entry(g).or_default().push(i);
        }
    }
    let mut worst = (0.0, 0, 0);
    for (i, set) in sets.iter().enumerate() {
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for g in set {
            for &j in &index[g] {
                if j > i {
                    *shared.entry(j).or_default() += 1;
                }
            }
        }
        for (j, c) in shared {
            let ratio = c as f64 / set.len().min(sets[j].len()).max(1) as f64;
            if ratio > worst.0 {
                worst = (ratio, i, j);
            }
        }
    }
    assert!(
        worst.0 <= 0.30,
        "{} and {} share {:.0}% of their 5-gram shingles",
        rows[worst.1]["id"],
        rows[worst.2]["id"],
        worst.0 * 100.0
    );
}
