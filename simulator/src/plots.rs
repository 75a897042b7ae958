//! PNG plots of a run and of a sweep, drawn with plotters on a bitmap
//! (no system font or library needed: the font ships with the crate).

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::engine::RunOutput;
use crate::sweep::{Point, Target};

/// A plot that could not be drawn or saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct PlotError {
    /// The file being drawn.
    pub file: String,
    /// What failed.
    pub message: String,
}

const FONT: &str = "sans-serif";
const SIZE: (u32, u32) = (960, 540);

/// Registers the shipped font once (DejaVu Sans, Bitstream Vera licence:
/// `assets/DejaVuSans.LICENSE`).
fn font_ready() -> Result<(), String> {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    READY
        .get_or_init(|| {
            plotters::style::register_font(FONT, FontStyle::Normal, include_bytes!("../assets/DejaVuSans.ttf"))
                .map_err(|_| "the shipped font could not be read".to_owned())
        })
        .clone()
}

/// Draws `body` onto a white canvas and saves it as the PNG `file` (for the
/// crate's other reports' plots).
pub(crate) fn draw_on(
    file: &Path,
    body: impl FnOnce(&DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<(), PlotError> {
    draw(file, body)
}

fn draw(
    file: &Path,
    body: impl FnOnce(&DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<(), PlotError> {
    let err = |message: String| PlotError {
        file: file.display().to_string(),
        message,
    };
    font_ready().map_err(err)?;
    let root = BitMapBackend::new(file, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    body(&root).map_err(err)?;
    root.present().map_err(|e| err(e.to_string()))
}

type Chart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A captioned chart with its axes described and its mesh drawn.
fn chart<'a, 'b>(
    root: &'a DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>,
    caption: &str,
    (x, y): (std::ops::Range<f64>, std::ops::Range<f64>),
    (x_desc, y_desc): (&str, &str),
) -> Result<Chart<'a, 'b>, String> {
    labelled_chart(root, caption, (x, y), (x_desc, y_desc), &|x: &f64| format!("{x}"))
}

/// As [`chart`], with the x axis's labels written by `x_label`.
fn labelled_chart<'a, 'b>(
    root: &'a DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>,
    caption: &str,
    (x, y): (std::ops::Range<f64>, std::ops::Range<f64>),
    (x_desc, y_desc): (&str, &str),
    x_label: &dyn Fn(&f64) -> String,
) -> Result<Chart<'a, 'b>, String> {
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (FONT, 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x, y)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(x_label)
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

/// What a run's plot titles say it is: scenario, seed and scale.
fn run_label(out: &RunOutput) -> String {
    format!("{}, seed {}, scale {}", out.scenario, out.seed, out.scale)
}

/// Minute `m` of the run as the city's wall clock (`19:05`).
fn clock_of(out: &RunOutput) -> impl Fn(&f64) -> String + '_ {
    move |m: &f64| crate::clock::CityClock::hhmm(out.start_ms + (*m * 60_000.0) as i64)
}

/// The series' legend, top right.
fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>) -> Result<(), String> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font((FONT, 16))
        .draw()
        .map_err(|e| e.to_string())
}

fn upper(values: impl Iterator<Item = f64>) -> f64 {
    let max = values.fold(0.0, f64::max);
    if max > 0.0 { max * 1.05 } else { 1.0 }
}

/// Writes the run's four plots into `dir`: `demand.png` (orders placed and
/// delivered per minute), `click_to_door.png` (distribution),
/// `utilization.png` (share of online couriers busy per minute) and
/// `eta.png` (promised P50 against actual click-to-door).
///
/// # Errors
/// A file that cannot be drawn or written, named.
pub fn run(dir: &Path, out: &RunOutput) -> Result<(), PlotError> {
    demand(&dir.join("demand.png"), out)?;
    click_to_door(&dir.join("click_to_door.png"), out)?;
    utilization(&dir.join("utilization.png"), out)?;
    eta(&dir.join("eta.png"), out)
}

fn demand(file: &Path, out: &RunOutput) -> Result<(), PlotError> {
    let minutes = out.minutes.len().max(1) as f64;
    let top = upper(out.minutes.iter().flat_map(|m| [m.placed as f64, m.delivered as f64]));
    draw(file, |root| {
        let mut chart = labelled_chart(
            root,
            &format!("Demand and deliveries: {}", run_label(out)),
            (0.0..minutes, 0.0..top),
            (&format!("clock time ({})", out.timezone), "orders per minute"),
            &clock_of(out),
        )?;
        let placed = out.minutes.iter().map(|m| (f64::from(m.minute), m.placed as f64));
        chart
            .draw_series(LineSeries::new(placed, BLUE.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label("placed")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE));
        let delivered = out.minutes.iter().map(|m| (f64::from(m.minute), m.delivered as f64));
        chart
            .draw_series(LineSeries::new(delivered, RED.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label("delivered")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED));
        legend(&mut chart)
    })
}

fn click_to_door(file: &Path, out: &RunOutput) -> Result<(), PlotError> {
    let minutes: Vec<f64> = out
        .orders
        .iter()
        .filter_map(|o| Some((o.times[5]? - o.times[0]?) as f64 / 60_000.0))
        .collect();
    // One-minute bins up to the longest delivery (at least an hour).
    let bins = minutes.iter().fold(60.0_f64, |a, &m| a.max(m.ceil())) as usize;
    let mut counts = vec![0u64; bins + 1];
    for m in &minutes {
        if let Some(c) = counts.get_mut(m.max(0.0) as usize) {
            *c += 1;
        }
    }
    let top = upper(counts.iter().map(|&c| c as f64));
    draw(file, |root| {
        let mut chart = chart(
            root,
            &format!("Click to door, {} delivered: {}", minutes.len(), run_label(out)),
            (0.0..(bins + 1) as f64, 0.0..top),
            ("minutes from placement to door", "orders"),
        )?;
        chart
            .draw_series(
                counts.iter().enumerate().map(|(i, &c)| {
                    Rectangle::new([(i as f64, 0.0), (i as f64 + 0.9, c as f64)], BLUE.mix(0.7).filled())
                }),
            )
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

fn utilization(file: &Path, out: &RunOutput) -> Result<(), PlotError> {
    let minutes = out.minutes.len().max(1) as f64;
    draw(file, |root| {
        let mut chart = labelled_chart(
            root,
            &format!("Courier utilization: {}", run_label(out)),
            (0.0..minutes, 0.0..100.0),
            (
                &format!("clock time ({})", out.timezone),
                "% of online couriers with work",
            ),
            &clock_of(out),
        )?;
        let busy = out.minutes.iter().filter(|m| m.online_couriers > 0).map(|m| {
            let busy = m.online_couriers.saturating_sub(m.free_couriers) as f64;
            (f64::from(m.minute), 100.0 * busy / m.online_couriers as f64)
        });
        chart
            .draw_series(LineSeries::new(busy, GREEN.stroke_width(2)))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

fn eta(file: &Path, out: &RunOutput) -> Result<(), PlotError> {
    let pairs: Vec<(f64, f64)> = out
        .orders
        .iter()
        .filter_map(|o| {
            let (created, delivered) = (o.times[0]?, o.times[5]?);
            let promised = o.eta?.arrival_p50().as_millis();
            Some((
                (promised - created) as f64 / 60_000.0,
                (delivered - created) as f64 / 60_000.0,
            ))
        })
        .collect();
    // At most 5,000 points, evenly spaced, so big runs stay readable.
    let stride = pairs.len().div_ceil(5_000).max(1);
    let top = upper(pairs.iter().flat_map(|&(p, a)| [p, a]));
    draw(file, |root| {
        let mut chart = chart(
            root,
            &format!("Promised (P50) vs actual click to door: {}", run_label(out)),
            (0.0..top, 0.0..top),
            ("promised minutes", "actual minutes"),
        )?;
        chart
            .draw_series(
                pairs
                    .iter()
                    .step_by(stride)
                    .map(|&(p, a)| Circle::new((p, a), 2, BLUE.mix(0.4).filled())),
            )
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(LineSeries::new([(0.0, 0.0), (top, top)], BLACK))
            .map_err(|e| e.to_string())?
            .label("on time");
        Ok(())
    })
}

/// Draws a sweep: the target's figure (click-to-door P50 and P90 without
/// one) against the parameter, each point's mean with its 95% interval as
/// a bar (replicated runs), and the target's bound. `title` says what was
/// swept (scenario, seeds, scale).
///
/// # Errors
/// The file cannot be drawn or written.
pub fn sweep(
    file: &Path,
    title: &str,
    param: &str,
    points: &[Point],
    target: Option<&Target>,
) -> Result<(), PlotError> {
    let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.value.x), hi.max(p.value.x))
    });
    let pad = ((hi - lo) * 0.05).max(0.5);
    let (lo, hi) = (lo - pad, hi + pad);
    let series: Vec<(String, RGBColor, String)> = match target {
        Some(t) => vec![(t.metric.clone(), RED, t.metric.clone())],
        None => vec![
            ("P50".into(), BLUE, "click_to_door_min.p50".into()),
            ("P90".into(), RED, "click_to_door_min.p90".into()),
        ],
    };
    let bound = target.map(|t| t.bound);
    let top = upper(
        points
            .iter()
            .flat_map(|p| series.iter().filter_map(|(_, _, path)| p.figure(path).map(|i| i.high)))
            .chain(bound),
    );
    let y_desc = if target.is_some() {
        "value"
    } else {
        "click to door, minutes"
    };
    draw(file, |root| {
        let mut chart = chart(root, title, (lo..hi, 0.0..top), (param, y_desc))?;
        for (name, color, path) in &series {
            let means: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|p| Some((p.value.x, p.figure(path)?.mean)))
                .collect();
            let color = *color;
            chart
                .draw_series(LineSeries::new(means.clone(), color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color));
            chart
                .draw_series(points.iter().filter_map(|p| {
                    let i = p.figure(path)?;
                    Some(ErrorBar::new_vertical(
                        p.value.x,
                        i.low,
                        i.mean,
                        i.high,
                        color.filled(),
                        8,
                    ))
                }))
                .map_err(|e| e.to_string())?;
        }
        if let Some(b) = bound {
            chart
                .draw_series(LineSeries::new([(lo, b), (hi, b)], BLACK.stroke_width(1)))
                .map_err(|e| e.to_string())?
                .label("target")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK));
        }
        legend(&mut chart)
    })
}
