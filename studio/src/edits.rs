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

/// Longest spoken line kept, in characters (the engine voices at most this much too).
pub const MAX_LINE_CHARS: usize = 120;

/// `prompt` with `line` as its spoken line: the line goes between double quotes, which the
/// engine reads as what the character says. A prompt that already quotes a line has it
/// replaced; otherwise `, and says "…"` is added. Quotes inside the line are dropped (they
/// would end it early), whitespace is collapsed and the line is cut at a word boundary
/// to [`MAX_LINE_CHARS`]. An empty line leaves the prompt as it is.
pub fn with_spoken_line(prompt: &str, line: &str) -> String {
    let mut clean = String::new();
    for word in line
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '“' | '”' | '„'))
        .filter(|w| !w.is_empty())
    {
        if clean.len() + word.len() + 1 > MAX_LINE_CHARS {
            break;
        }
        if !clean.is_empty() {
            clean.push(' ');
        }
        clean.push_str(word);
    }
    if clean.is_empty() {
        return prompt.to_string();
    }
    let quote = |c: char| matches!(c, '"' | '“' | '”' | '„');
    if let Some(open) = prompt.find(quote) {
        let after = open + prompt[open..].chars().next().map_or(1, char::len_utf8);
        let close = prompt[after..]
            .find(quote)
            .map(|i| {
                let at = after + i;
                at + prompt[at..].chars().next().map_or(1, char::len_utf8)
            })
            .unwrap_or(prompt.len());
        return format!("{}\"{clean}\"{}", &prompt[..open], &prompt[close..]);
    }
    let base = prompt.trim_end().trim_end_matches(['.', ',', ';']);
    format!("{base}, and says \"{clean}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spoken_line_is_quoted_into_the_prompt() {
        assert_eq!(
            with_spoken_line("a yellow character waves.", "  hello   there "),
            "a yellow character waves, and says \"hello there\""
        );
        // A quoted line in the prompt is replaced, curly quotes included.
        assert_eq!(
            with_spoken_line("a man says “good day” at dawn", "hi"),
            "a man says \"hi\" at dawn"
        );
        assert_eq!(
            with_spoken_line("she says \"old line\"", "new \"quoted\" line"),
            "she says \"new quoted line\""
        );
        assert_eq!(with_spoken_line("a ball", "  \" "), "a ball");
        let long = with_spoken_line("a man", &"la ".repeat(100));
        assert!(long.len() <= "a man, and says \"\"".len() + MAX_LINE_CHARS);
    }

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
