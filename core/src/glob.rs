//! Redis glob-style pattern matching (`stringmatchlen` in Redis's `util.c`),
//! the one implementation behind KEYS, SCAN/HSCAN/SSCAN/ZSCAN MATCH,
//! PSUBSCRIBE and PUBSUB CHANNELS.
//!
//! `*` any run, `?` any byte, `[abc]` / `[a-z]` / `[^x]` classes, `\x` escapes.

/// True when `string` matches the Redis glob `pattern` (case-sensitive).
///
/// ```
/// assert!(embedis::glob::matches(b"h*llo", b"heeello"));
/// assert!(embedis::glob::matches(b"h[^e]llo", b"hallo"));
/// assert!(!embedis::glob::matches(b"h[a-b]llo", b"hcllo"));
/// ```
pub fn matches(pattern: &[u8], string: &[u8]) -> bool {
    match_impl(pattern, string, false, &mut false, 0)
}

/// Like [`matches()`], ignoring ASCII case.
pub fn matches_nocase(pattern: &[u8], string: &[u8]) -> bool {
    match_impl(pattern, string, true, &mut false, 0)
}

fn eq(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// `give_up` is Redis 7.0's `skipLongerMatches`: set once the rest of the
/// pattern after some `*` matched nowhere in the rest of the string. Then no
/// earlier `*` can help by swallowing more bytes (that only moves the rest
/// further right), so every caller stops at once: without it a pattern like
/// `a*a*a*...*b` against `aaaa...` takes exponential time.
fn match_impl(mut p: &[u8], mut s: &[u8], nocase: bool, give_up: &mut bool, depth: usize) -> bool {
    // Redis caps recursion to avoid stack exhaustion on patterns like "*****...".
    if depth > 1000 {
        return false;
    }
    while !p.is_empty() && !s.is_empty() {
        match p[0] {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                for i in 0..s.len() {
                    if match_impl(&p[1..], &s[i..], nocase, give_up, depth + 1) {
                        return true;
                    }
                    if *give_up {
                        return false;
                    }
                }
                *give_up = true;
                return false;
            }
            b'?' => {
                s = &s[1..];
            }
            b'[' => {
                p = &p[1..];
                let not = p.first() == Some(&b'^');
                if not {
                    p = &p[1..];
                }
                let mut hit = false;
                loop {
                    if p.is_empty() {
                        // Unterminated class: Redis treats the end as the closing bracket.
                        break;
                    }
                    if p[0] == b'\\' && p.len() >= 2 {
                        p = &p[1..];
                        if eq(p[0], s[0], nocase) {
                            hit = true;
                        }
                    } else if p[0] == b']' {
                        break;
                    } else if p.len() >= 3 && p[1] == b'-' {
                        let (mut start, mut end) = (p[0], p[2]);
                        let mut c = s[0];
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        if nocase {
                            start = start.to_ascii_lowercase();
                            end = end.to_ascii_lowercase();
                            c = c.to_ascii_lowercase();
                        }
                        p = &p[2..];
                        if c >= start && c <= end {
                            hit = true;
                        }
                    } else if eq(p[0], s[0], nocase) {
                        hit = true;
                    }
                    p = &p[1..];
                }
                if not {
                    hit = !hit;
                }
                if !hit {
                    return false;
                }
                s = &s[1..];
                if p.is_empty() {
                    // Redis steps back so the outer loop's advance stays in bounds.
                    return s.is_empty();
                }
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                if !eq(p[0], s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
            c => {
                if !eq(c, s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
        }
        p = &p[1..];
    }
    if s.is_empty() {
        while p.first() == Some(&b'*') {
            p = &p[1..];
        }
    }
    p.is_empty() && s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_cases_from_the_redis_docs() {
        for (p, s, want) in [
            ("h?llo", "hello", true),
            ("h?llo", "hllo", false),
            ("h*llo", "hllo", true),
            ("h*llo", "heeeello", true),
            ("h[ae]llo", "hello", true),
            ("h[ae]llo", "hillo", false),
            ("h[^e]llo", "hallo", true),
            ("h[^e]llo", "hello", false),
            ("h[a-b]llo", "hbllo", true),
            ("h[a-b]llo", "hcllo", false),
            ("h\\*llo", "h*llo", true),
            ("h\\*llo", "hello", false),
            ("*", "", true),
            ("", "", true),
            ("a*", "", false),
            ("*a*", "banana", true),
            ("user:*:name", "user:42:name", true),
            ("[z-a]", "m", true),
        ] {
            assert_eq!(matches(p.as_bytes(), s.as_bytes()), want, "{p} ~ {s}");
        }
        assert!(matches_nocase(b"HELLO", b"hello"));
    }

    #[test]
    fn glob_many_stars_fail_fast_instead_of_exponential_backtracking() {
        // Redis's keyspace.tcl "pattern matching long nested loops": this
        // used to take minutes (and held the database lock meanwhile).
        let pattern = "a*".repeat(20) + "b";
        let string = "a".repeat(40);
        let started = std::time::Instant::now();
        assert!(!matches(pattern.as_bytes(), string.as_bytes()));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        // Giving up early must not lose real matches.
        assert!(matches(
            pattern.as_bytes(),
            (string.clone() + "b").as_bytes()
        ));
        assert!(matches(b"*a*b*c", b"xxaxxbxxbxxc"));
        assert!(!matches(b"*a*b*c", b"xxaxxbxxbxxcx"));
        assert!(matches(b"a*b?c*d", b"aXXbYcZZd"));
    }
}
