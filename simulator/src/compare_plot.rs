//! `compare.png`: each figure's change from run A to run B, percent, as a
//! horizontal bar; with replicated runs, significant changes are drawn
//! solid and the rest pale.

use std::path::Path;

use plotters::prelude::*;

use crate::compare::Row;
use crate::plots::{PlotError, draw_on};

/// Draws the rows' changes into `file`, captioned `title`.
///
/// # Errors
/// The file cannot be drawn or written.
pub fn draw(file: &Path, title: &str, rows: &[Row<'_>]) -> Result<(), PlotError> {
    let changes: Vec<(usize, &str, f64, Option<bool>)> = rows
        .iter()
        .filter_map(|r| Some((r.figure, r.change_percent?, r.significant())))
        .enumerate()
        .map(|(i, (name, change, significant))| (i, name, change, significant))
        .collect();
    // One figure changing by thousands of percent would flatten the rest:
    // bars stop at +-100% and every bar is labelled with its own value.
    let reach = changes.iter().fold(1.0_f64, |m, c| m.max(c.2.abs())).min(100.0) * 1.25;
    let n = changes.len().max(1);
    // The first row on top.
    let row_y = |i: usize| (n - 1 - i) as f64;
    draw_on(file, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(300)
            .build_cartesian_2d(-reach..reach, 0.0..n as f64)
            .map_err(|e| e.to_string())?;
        let name_of = |y: &f64| {
            let k = y.floor();
            changes
                .get(n.saturating_sub(1 + k as usize))
                .filter(|_| (y - k - 0.5).abs() < 0.01)
                .map_or(String::new(), |c| c.1.to_owned())
        };
        chart
            .configure_mesh()
            .y_labels(2 * n + 1)
            .y_label_formatter(&name_of)
            .x_desc("change from A to B, %")
            .disable_y_mesh()
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(changes.iter().map(|&(i, _, change, significant)| {
                let color = match significant {
                    Some(false) => BLUE.mix(0.3),
                    _ => BLUE.mix(0.9),
                };
                let y = row_y(i);
                let end = change.clamp(-reach / 1.25, reach / 1.25);
                Rectangle::new([(0.0, y + 0.2), (end, y + 0.8)], color.filled())
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(changes.iter().map(|&(i, _, change, _)| {
                let end = change.clamp(-reach / 1.25, reach / 1.25);
                let x = if end >= 0.0 {
                    end + reach * 0.02
                } else {
                    end - reach * 0.2
                };
                Text::new(format!("{change:+.1}%"), (x, row_y(i) + 0.65), ("sans-serif", 13))
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(LineSeries::new([(0.0, 0.0), (0.0, n as f64)], BLACK))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}
