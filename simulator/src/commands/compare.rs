//! `courier-sim compare`: two run folders side by side.

use std::path::Path;
use std::process::ExitCode;

use courier_sim::compare::{HEADLINE, Runs, common_figures, compare, print_table, write_csv};

/// Prints the two runs' figures with their difference (and significance
/// when both were replicated), and writes `compare.csv` and `compare.png`
/// into `out`.
pub(crate) fn compare_runs(a: &Path, b: &Path, out: &Path, all: bool) -> ExitCode {
    let (a, b) = match (Runs::load(a), Runs::load(b)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let every = common_figures(&a, &b);
    let names: Vec<&str> = if all {
        every.iter().map(String::as_str).collect()
    } else {
        HEADLINE.to_vec()
    };
    let rows = compare(&a, &b, &names);
    if rows.is_empty() {
        eprintln!("error: the two folders share no figure to compare");
        return ExitCode::from(2);
    }
    if let Err(e) = print_table(&mut std::io::stdout().lock(), &a, &b, &rows) {
        eprintln!("error: cannot print: {e}");
        return ExitCode::FAILURE;
    }
    if let Err(e) = write_csv(out, &rows) {
        eprintln!("error: cannot write {}: {e}", out.join("compare.csv").display());
        return ExitCode::FAILURE;
    }
    let title = format!("B ({}) against A ({})", b.scenario, a.scenario);
    if let Err(e) = courier_sim::compare_plot::draw(&out.join("compare.png"), &title, &rows) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!("wrote {}", out.display());
    ExitCode::SUCCESS
}
