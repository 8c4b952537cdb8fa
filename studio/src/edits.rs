//! Quick edits of a prompt for a remix: "change the colour to blue" rewrites the prompt's
//! colour word, so the remix's prompt says what the user asked and nothing else changes.

/// `prompt` with the first word that is one of `labels` (whole word, any case) replaced
/// by `new`; None when it names none of them.
pub fn replace_label(prompt: &str, labels: &[String], new: &str) -> Option<String> {
    let lower = prompt.to_lowercase();
    if lower.len() != prompt.len() {
        return None;
    }
    let mut best: Option<(usize, usize)> = None;
    for label in labels.iter().filter(|l| l.as_str() != "none") {
        let word = label.replace('_', " ");
        let mut from = 0;
        while let Some(i) = lower[from..].find(&word) {
            let at = from + i;
            let end = at + word.len();
            let before = lower[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            let after = lower[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
            if before && after {
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, end));
                }
                break;
            }
            from = end;
        }
    }
    best.map(|(a, b)| format!("{}{}{}", &prompt[..a], new.replace('_', " "), &prompt[b..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_first_whole_word_of_the_group_is_replaced() {
        let colours = labels(&["none", "red", "blue", "green"]);
        assert_eq!(
            replace_label("A Red ball and a green cube", &colours, "blue").as_deref(),
            Some("A blue ball and a green cube")
        );
        // "redwood" is not "red"; the first colour word counts, wherever it is.
        assert_eq!(
            replace_label("a redwood forest with a green bird", &colours, "red").as_deref(),
            Some("a redwood forest with a red bird")
        );
        assert_eq!(replace_label("a ball rolls", &colours, "red"), None);
        // Labels with underscores are written as words.
        let cameras = labels(&["pan_left", "static"]);
        assert_eq!(
            replace_label("the camera does a pan left", &cameras, "static").as_deref(),
            Some("the camera does a static")
        );
    }

    #[test]
    fn prompts_whose_case_changes_their_length_are_left_alone() {
        // 'İ' lowercases to two characters: offsets would not match, so no edit.
        let colours = labels(&["red"]);
        assert_eq!(replace_label("İ red ball", &colours, "blue"), None);
    }
}
