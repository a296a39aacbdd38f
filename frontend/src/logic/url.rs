//! Percent-encoding for query values and path segments (RFC 3986 unreserved characters pass as is).

/// Encodes `text` so it can stand as one query value or one path segment.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes a query value: `%XX` escapes and `+` as a space. A malformed escape is kept literally,
/// and bytes that are not UTF-8 become U+FFFD, so a hand-edited link never fails to parse.
pub fn decode_component(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (
                bytes.get(i + 1).and_then(hex),
                bytes.get(i + 2).and_then(hex),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: &u8) -> Option<u8> {
    char::from(*byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// The `key=value` pairs of a query string (with or without its leading `?`), decoded.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .strip_prefix('?')
        .unwrap_or(query)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode_component(k), decode_component(v)),
            None => (decode_component(pair), String::new()),
        })
        .collect()
}

/// A query string (without `?`) from pairs, each key and value encoded.
pub fn build_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_dates_pass_through_unescaped() {
        assert_eq!(encode_component("mashhad-district-8"), "mashhad-district-8");
        assert_eq!(encode_component("2021-10-01"), "2021-10-01");
    }

    #[test]
    fn reserved_and_non_ascii_characters_are_escaped_and_come_back() {
        let text = "a b&c=d/é";
        let encoded = encode_component(text);
        assert_eq!(encoded, "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(decode_component(&encoded), text);
    }

    #[test]
    fn a_plus_is_a_space_and_a_broken_escape_is_kept() {
        assert_eq!(decode_component("a+b"), "a b");
        assert_eq!(decode_component("100%"), "100%");
        assert_eq!(decode_component("%zz"), "%zz");
    }

    #[test]
    fn a_query_splits_into_decoded_pairs_with_or_without_question_mark() {
        assert_eq!(
            parse_query("?unit=perm&kpi=a%20b&flag"),
            vec![
                ("unit".to_string(), "perm".to_string()),
                ("kpi".to_string(), "a b".to_string()),
                ("flag".to_string(), String::new()),
            ]
        );
        assert_eq!(parse_query(""), Vec::<(String, String)>::new());
        assert_eq!(
            build_query([("unit", "perm"), ("q", "a b")]),
            "unit=perm&q=a%20b"
        );
    }
}
