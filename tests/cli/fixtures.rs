//! A small labeled fixture written for these tests: 36 paragraphs in 12 "articles", two
//! frames and three stances, built from sentence parts so every class has clear cues.

/// Number of rows in [`labeled_jsonl`].
pub const N_ROWS: usize = 36;

const ECONOMIC: [&str; 6] = [
    "Traders expect wheat and fuel shipments to grow along the new rail corridor",
    "The ministry signed contracts for copper mining and a gas pipeline",
    "Investors see transit fees and mineral exports as the main prize",
    "Exporters in Tashkent hope the railway will cut freight costs",
    "Fuel deliveries and grain sales rose after the trade agreement",
    "Business councils discussed tariffs, banking links and investment",
];

const RIGHTS: [&str; 6] = [
    "Girls remain barred from secondary school and university by decree",
    "Women lost their jobs at aid agencies and cannot travel alone",
    "Activists describe the edicts as gender apartheid and persecution",
    "Public floggings and detentions of protesters were documented",
    "Female students gathered in secret classrooms despite the ban",
    "Journalists and rights defenders face arrest and intimidation",
];

const STANCE: [(&str, &str); 3] = [
    (
        "favor",
        "Supporters say engagement is the realistic path and recognition brings benefits.",
    ),
    (
        "against",
        "Critics warn that recognition rewards the regime and betrays Afghan women.",
    ),
    (
        "neutral",
        "Officials gave no further details on the timing of the talks.",
    ),
];

/// The fixture as JSON Lines (`text`, `frame`, `stance`, `doc`).
pub fn labeled_jsonl() -> String {
    let mut out = String::new();
    let mut n = 0;
    for (f, (frame, sentences)) in [("economic-interest", ECONOMIC), ("human-rights", RIGHTS)]
        .into_iter()
        .enumerate()
    {
        for (s, sentence) in sentences.iter().enumerate() {
            for (stance, tail) in STANCE {
                let doc = format!("doc{}", f * 6 + s);
                out.push_str(&format!(
                    "{{\"id\":\"r{n}\",\"doc\":\"{doc}\",\"text\":\"{sentence}. {tail}\",\"frame\":\"{frame}\",\"stance\":\"{stance}\"}}\n"
                ));
                n += 1;
            }
        }
    }
    assert_eq!(n, N_ROWS, "fixture size");
    out
}
