//! Criterion benchmarks of the hot paths: normalize + tokenize, featurize (word and char
//! n-grams), predict per paragraph, fit, and model loading. Each reports throughput.
//!
//! Text comes from `labeled-data/recognition-debate.jsonl` when present (run from the
//! workspace root), else from a built-in paragraph repeated with variations.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use framing::features::{BlockParams, DfBound, Scratch};
use framing::text::{Normalizer, Tokenizer};
use framing::{LabeledData, LogisticParams, Model, TfidfParams};

const FALLBACK: &str = "MOSCOW, July 3 - Russia on Thursday became the first country to \
formally recognise the Taliban government, saying the move would open the way to trade in \
wheat and fuel, transit corridors and cooperation against Islamic State, while Western \
capitals said recognition rewarded a regime that bars girls from school.";

fn corpus() -> LabeledData {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../labeled-data/recognition-debate.jsonl"
    );
    if let Ok(data) = framing::data::load_labeled(&[path.into()], &framing::DataSpec::default()) {
        return data;
    }
    let frames = ["a", "b", "c"];
    let texts: Vec<String> = (0..600)
        .map(|i| format!("{FALLBACK} Item {i} notes {}.", frames[i % 3]))
        .collect();
    LabeledData {
        labels: vec![texts
            .iter()
            .enumerate()
            .map(|(i, _)| frames[i % 3].to_string())
            .collect()],
        heads: vec!["frame".into()],
        positions: (0..texts.len())
            .map(|i| framing::Position {
                path: None,
                line: i as u64 + 1,
            })
            .collect(),
        texts,
        ..Default::default()
    }
}

fn bytes(texts: &[String]) -> u64 {
    texts.iter().map(|t| t.len() as u64).sum()
}

fn text_stages(c: &mut Criterion) {
    let data = corpus();
    let n = Normalizer::default();
    let t = Tokenizer::default();
    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(bytes(&data.texts)));
    g.bench_function("normalize+tokenize", |b| {
        let mut buf = String::new();
        b.iter(|| {
            let mut count = 0usize;
            for text in &data.texts {
                n.normalize_into(text, &mut buf);
                t.for_each_token(&buf, |_, _| count += 1);
            }
            count
        })
    });
    g.finish();
}

fn featurize(c: &mut Criterion) {
    let data = corpus();
    let mut g = c.benchmark_group("featurize");
    g.throughput(Throughput::Bytes(bytes(&data.texts)));
    let mut words = BlockParams::word_default();
    words.min_df = DfBound::Count(1);
    let configs = [
        (
            "word1-2",
            TfidfParams::new().word(Some(words.clone())).char(None),
        ),
        ("word1-2+char2-5", TfidfParams::new().word(Some(words))),
    ];
    for (name, params) in configs {
        let tfidf = params.fit(&data.texts).expect("fit featurizer");
        g.bench_with_input(BenchmarkId::new("one-thread", name), &tfidf, |b, tfidf| {
            let mut s = Scratch::default();
            let (mut i, mut v) = (Vec::new(), Vec::new());
            b.iter(|| {
                let mut nnz = 0;
                for text in &data.texts {
                    tfidf.transform_into(text, &mut s, &mut i, &mut v);
                    nnz += i.len();
                }
                nnz
            })
        });
    }
    g.finish();
}

fn predict(c: &mut Criterion) {
    let data = corpus();
    let model = Model::fit(&data, &TfidfParams::new(), &LogisticParams::new()).expect("fit");
    let mut g = c.benchmark_group("predict");
    g.throughput(Throughput::Elements(data.len() as u64));
    g.bench_function("paragraphs-one-thread", |b| {
        let mut s = Scratch::default();
        b.iter(|| {
            data.texts
                .iter()
                .map(|t| model.predict_one_with(t, &mut s)[0].class)
                .sum::<usize>()
        })
    });
    g.bench_function("paragraphs-parallel", |b| {
        b.iter(|| model.predict(&data.texts).len())
    });
    g.finish();
}

fn fit(c: &mut Criterion) {
    let data = corpus();
    let mut g = c.benchmark_group("fit");
    g.sample_size(10);
    g.throughput(Throughput::Elements(data.len() as u64));
    g.bench_function("featurizer+heads", |b| {
        b.iter(|| Model::fit(&data, &TfidfParams::new(), &LogisticParams::new()).expect("fit"))
    });
    g.finish();
}

/// Loading the shipped default model: memory-mapped from its file (every check, checksum
/// included), and parsed from bytes in memory (copied once into an aligned buffer).
fn load(c: &mut Criterion) {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/recognition-debate.model"
    ));
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let mut g = c.benchmark_group("load");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("default-model-mapped", |b| {
        b.iter(|| Model::load(path).expect("the shipped model loads"))
    });
    g.bench_function("default-model-from-bytes", |b| {
        b.iter(|| Model::from_bytes(&bytes, None).expect("the shipped model loads"))
    });
    g.finish();
}

criterion_group!(benches, text_stages, featurize, predict, fit, load);
criterion_main!(benches);
