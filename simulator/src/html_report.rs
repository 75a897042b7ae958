//! `report.html`: one self-contained file to hand round, with what the run
//! was given, every figure (with its 95% interval when replicated), the
//! plots embedded as images and a table per simulated hour.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use base64::Engine as _;

use crate::clock::CityClock;
use crate::engine::RunOutput;
use crate::replicated::Replicated;
use crate::report::Summary;
use crate::stats::{Interval, figures};

/// The run's plots, in the order the report shows them.
const PLOTS: [&str; 5] = [
    "demand.png",
    "click_to_door.png",
    "utilization.png",
    "eta.png",
    "late_orders.png",
];

const STYLE: &str = "body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}\
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}img{max-width:100%}";

/// Writes `report.html` for one run into `dir`, embedding the plots
/// already drawn there.
///
/// # Errors
/// The file cannot be written.
pub fn run(dir: &Path, summary: &Summary, out: &RunOutput) -> std::io::Result<()> {
    let title = format!("{}: seed {}, scale {}", summary.scenario, summary.seed, out.scale);
    let mut html = head(&title);
    inputs(&mut html, summary, &[summary.seed]);
    html.push_str("<h2>Figures</h2>\n<table><tr><th>figure</th><th>value</th></tr>\n");
    for (name, value) in figures(summary).iter().filter(|(k, _)| !k.starts_with("inputs.")) {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=n>{}</td></tr>",
            escape(name),
            number(*value)
        );
    }
    html.push_str("</table>\n");
    per_hour(&mut html, out);
    plots(&mut html, dir, "");
    finish(dir, html)
}

/// Writes `report.html` for replicated runs into `dir`: every figure's
/// mean with its interval, one row per seed, and the plots of the first
/// seed's folder (`seed_dir`).
///
/// # Errors
/// The file cannot be written.
pub fn replicated(dir: &Path, r: &Replicated, runs: &[Summary], seed_dir: Option<&Path>) -> std::io::Result<()> {
    let title = format!("{}: {} seeds, scale {}", r.scenario, r.seeds.len(), r.inputs.scale);
    let mut html = head(&title);
    if let Some(first) = runs.first() {
        inputs(&mut html, first, &r.seeds);
    }
    html.push_str(
        "<h2>Figures over the seeds</h2>\n<table><tr><th>figure</th><th>mean</th>\
         <th>95% interval</th><th>sd</th></tr>\n",
    );
    for (name, i) in r
        .figures
        .iter()
        .filter(|(k, _)| !k.starts_with("inputs.") && *k != "seed")
    {
        interval_row(&mut html, name, i);
    }
    html.push_str("</table>\n<h2>Each seed</h2>\n<table><tr><th>seed</th>");
    let columns = crate::compare::HEADLINE;
    for c in columns {
        let _ = write!(html, "<th>{}</th>", escape(c));
    }
    html.push_str("</tr>\n");
    for run in runs {
        let f = figures(run);
        let _ = write!(html, "<tr><td class=n>{}</td>", run.seed);
        for c in columns {
            let _ = write!(html, "<td class=n>{}</td>", f.get(c).map_or("-".into(), |v| number(*v)));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    if let (Some(seed_dir), Some(first)) = (seed_dir, runs.first()) {
        plots(&mut html, seed_dir, &format!(" (seed {})", first.seed));
    }
    finish(dir, html)
}

fn head(title: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8><title>{t}</title>\
         <style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n",
        t = escape(title)
    )
}

fn finish(dir: &Path, mut html: String) -> std::io::Result<()> {
    html.push_str("</body></html>\n");
    std::fs::write(dir.join("report.html"), html)
}

/// The inputs table: what was run, so two reports can be told apart.
fn inputs(html: &mut String, summary: &Summary, seeds: &[u64]) {
    html.push_str("<h2>Inputs</h2>\n<table>\n");
    let seeds = seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    let _ = writeln!(html, "<tr><th>scenario</th><td>{}</td></tr>", escape(&summary.scenario));
    let _ = writeln!(html, "<tr><th>seeds</th><td>{}</td></tr>", escape(&seeds));
    if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(&summary.inputs) {
        for (k, v) in map {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            let _ = writeln!(html, "<tr><th>{}</th><td>{}</td></tr>", escape(&k), escape(&v));
        }
    }
    html.push_str("</table>\n");
}

fn interval_row(html: &mut String, name: &str, i: &Interval) {
    let _ = writeln!(
        html,
        "<tr><td>{}</td><td class=n>{}</td><td class=n>{} .. {}</td><td class=n>{}</td></tr>",
        escape(name),
        number(i.mean),
        number(i.low),
        number(i.high),
        number(i.sd)
    );
}

/// Per simulated hour: orders placed, delivered and closed, mean open
/// orders, mean couriers online and free, utilization, and the P90
/// click-to-door of the orders placed in the hour.
fn per_hour(html: &mut String, out: &RunOutput) {
    html.push_str(
        "<h2>Per hour</h2>\n<table><tr><th>from</th><th>placed</th><th>refused</th><th>delivered</th>\
         <th>closed</th><th>open (mean)</th><th>waiting for a courier (mean)</th><th>couriers online</th>\
         <th>couriers free</th><th>utilization</th><th>click-to-door p90 of orders placed</th></tr>\n",
    );
    let mut placed_ctd: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for o in &out.orders {
        if let (Some(at), Some(ctd)) = (o.times[0], o.minutes_between(0, 5)) {
            let hour = ((at - out.start_ms).max(0) / 3_600_000) as usize;
            placed_ctd.entry(hour).or_default().push(ctd);
        }
    }
    for (hour, rows) in out.minutes.chunks(60).enumerate() {
        let n = rows.len() as f64;
        let sum = |f: fn(&crate::report::MinuteRow) -> u64| rows.iter().map(f).sum::<u64>();
        let mean = |f: fn(&crate::report::MinuteRow) -> u64| sum(f) as f64 / n;
        let (online, free) = (mean(|m| m.online_couriers), mean(|m| m.free_couriers));
        let utilization = if online > 0.0 { 1.0 - free / online } else { 0.0 };
        let p90 = placed_ctd
            .remove(&hour)
            .filter(|xs| !xs.is_empty())
            .map(|xs| crate::report::Spread::of(xs).p90);
        let from = CityClock::hhmm(out.start_ms + hour as i64 * 3_600_000);
        let _ = writeln!(
            html,
            "<tr><td>{from}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td>\
             <td class=n>{:.0}</td><td class=n>{:.0}</td><td class=n>{online:.0}</td><td class=n>{free:.0}</td>\
             <td class=n>{:.0}%</td><td class=n>{}</td></tr>",
            sum(|m| m.placed),
            sum(|m| m.refused),
            sum(|m| m.delivered),
            sum(|m| m.closed),
            mean(|m| m.open),
            mean(|m| m.waiting_for_courier),
            utilization * 100.0,
            p90.map_or("-".into(), |p| format!("{p:.1} min")),
        );
    }
    html.push_str("</table>\n");
}

/// The PNGs of `dir` embedded as data URLs, so the file stands alone.
fn plots(html: &mut String, dir: &Path, note: &str) {
    let _ = writeln!(html, "<h2>Plots{}</h2>", escape(note));
    for name in PLOTS {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            let _ = writeln!(html, "<p><img alt=\"{name}\" src=\"data:image/png;base64,{data}\"></p>");
        }
    }
}

/// A figure as the report prints it: integers whole, others to 3 places.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
    }
}

/// `text` safe inside HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_numbers_read_well() {
        assert_eq!(escape("<a href='x'>&"), "&lt;a href=&#39;x&#39;&gt;&amp;");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(0.12345), "0.123");
    }

    #[test]
    fn a_run_report_stands_alone_with_its_inputs_figures_and_hours() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("demand.png"), [0x89, b'P', b'N', b'G']).unwrap();
        let out = RunOutput {
            scenario: "city <x>".into(),
            minutes: vec![crate::report::MinuteRow::default(); 90],
            ..RunOutput::default()
        };
        let summary = Summary {
            scenario: "city <x>".into(),
            orders_placed: 42,
            ..Summary::default()
        };
        run(tmp.path(), &summary, &out).unwrap();
        let html = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
        assert!(html.contains("<h1>city &lt;x&gt;: seed 0"));
        assert!(html.contains("<td>orders_placed</td><td class=n>42</td>"));
        assert_eq!(
            html.matches("data:image/png;base64,iVBORw").count(),
            1,
            "the plot is embedded"
        );
        let hours = html
            .split("<h2>Per hour</h2>")
            .nth(1)
            .unwrap()
            .split("</table>")
            .next()
            .unwrap();
        assert_eq!(hours.matches("<tr><td>").count(), 2, "90 minutes make two hours");
    }
}
