//! Turns criterion's `estimates.json` files into markdown tables.
//!
//! Criterion writes `target/criterion/<group>/<function>/<parameter>/new/estimates.json`
//! with the time of one iteration in nanoseconds; these helpers read the
//! median point estimate back so a benchmark binary can print the README's
//! table after its run.

use std::path::Path;
use std::time::SystemTime;

/// The median time of one iteration in ns for benchmark
/// `group/function/parameter`, if criterion has measured it since `since`
/// (older results, from an earlier run, are not reported).
pub fn median_ns(
    root: &Path,
    since: SystemTime,
    group: &str,
    function: &str,
    parameter: &str,
) -> Option<f64> {
    let path = root
        .join(sanitize(group))
        .join(sanitize(function))
        .join(sanitize(parameter))
        .join("new")
        .join("estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// Criterion's directory name for an id (it replaces path-hostile characters).
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '?' | '"' | '/' | '\\' | '*' | '<' | '>' | ':' | '|' | '^' => '_',
            c => c,
        })
        .collect()
}

/// Millions of operations per second for `ops` operations taking `ns`.
pub fn mops(ns: f64, ops: f64) -> f64 {
    ops * 1e3 / ns
}

/// `x` with `digits` decimals, or an em dash when absent.
pub fn cell(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{v:.digits$}"))
}

/// `a / b` as `1.23×`, or an em dash when either is absent.
pub fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "—".to_string(),
    }
}

/// Geometric mean of the present values.
pub fn geomean(xs: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for x in xs {
        sum += x.ln();
        n += 1;
    }
    (n > 0).then(|| (sum / n as f64).exp())
}

/// A markdown table from a header and rows.
pub fn markdown(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    out.push_str(&format!(
        "|{}\n",
        header.iter().map(|_| " --- |").collect::<String>()
    ));
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

/// The machine line printed above every table: CPU model, cores, OS, load
/// average, date.
pub fn machine_line() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = std::process::Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    // Other work on the machine slows every row; say how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!(
        "{cpu}, {cores} cores, {} {}, load average {load}, {date}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geomean_of_two_and_eight_is_four() {
        assert!((geomean([2.0, 8.0]).unwrap() - 4.0).abs() < 1e-12);
        assert_eq!(geomean([]), None);
    }

    #[test]
    fn ratio_and_cell_show_a_dash_when_a_side_is_missing() {
        assert_eq!(ratio(Some(3.0), Some(2.0)), "1.50×");
        assert_eq!(ratio(None, Some(2.0)), "—");
        assert_eq!(cell(Some(1.234), 1), "1.2");
        assert_eq!(cell(None, 1), "—");
    }

    #[test]
    fn markdown_has_a_separator_row() {
        let t = markdown(&["a", "b"], &[vec!["1".into(), "2".into()]]);
        assert_eq!(t, "| a | b |\n| --- | --- |\n| 1 | 2 |\n");
    }

    #[test]
    fn sanitize_matches_criterion_directory_names() {
        assert_eq!(sanitize("zrange 0 99"), "zrange 0 99");
        assert_eq!(sanitize("a/b:c"), "a_b_c");
    }
}
