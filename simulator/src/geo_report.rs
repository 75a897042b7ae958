//! Where service suffered: the orders of a run by the H3 cell of their
//! drop-off, as GeoJSON polygons (QGIS and kepler.gl open it as it is), and
//! a heatmap of the late ones.

use std::collections::BTreeMap;
use std::path::Path;

use h3o::{CellIndex, LatLng, Resolution};
use plotters::prelude::*;
use serde_json::json;

use crate::engine::RunOutput;
use crate::report::OrderTrack;

/// The resolution of the report's cells (about 0.7 km² each).
pub const CELL_RESOLUTION: Resolution = Resolution::Eight;

/// What the orders of one cell came to.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Cell {
    orders: u64,
    delivered: u64,
    late: u64,
    ready_to_pickup_min: f64,
    click_to_door_min: f64,
    lateness_min: f64,
}

/// When an order was late: delivered after the P90 time promised at
/// acceptance, by how many minutes.
fn lateness_min(o: &OrderTrack) -> Option<f64> {
    let (delivered, eta) = (o.times[5]?, o.eta?);
    let past = delivered - eta.arrival_p90().as_millis();
    (past > 0).then(|| past as f64 / 60_000.0)
}

fn cells(out: &RunOutput) -> BTreeMap<CellIndex, Cell> {
    let mut cells: BTreeMap<CellIndex, Cell> = BTreeMap::new();
    for o in &out.orders {
        let Ok(at) = LatLng::new(o.dropoff.lat(), o.dropoff.lng()) else {
            continue;
        };
        let c = cells.entry(at.to_cell(CELL_RESOLUTION)).or_default();
        c.orders += 1;
        if let Some(ctd) = o.minutes_between(0, 5) {
            c.delivered += 1;
            c.click_to_door_min += ctd;
            c.ready_to_pickup_min += o.minutes_between(3, 4).unwrap_or(0.0);
        }
        if let Some(late) = lateness_min(o) {
            c.late += 1;
            c.lateness_min += late;
        }
    }
    cells
}

/// The run's orders by drop-off cell as a GeoJSON `FeatureCollection`:
/// each cell a polygon with its orders, deliveries, late deliveries and
/// their share, and mean ready-to-pickup, click-to-door and lateness (of
/// the late ones), minutes.
pub fn geojson(out: &RunOutput) -> serde_json::Value {
    let mean = |sum: f64, n: u64| if n == 0 { 0.0 } else { sum / n as f64 };
    let round = |x: f64| (x * 100.0).round() / 100.0;
    let features: Vec<serde_json::Value> = cells(out)
        .into_iter()
        .map(|(cell, c)| {
            let mut ring: Vec<[f64; 2]> = cell.boundary().iter().map(|v| [v.lng(), v.lat()]).collect();
            if let Some(&first) = ring.first() {
                ring.push(first);
            }
            json!({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "cell": cell.to_string(),
                    "orders": c.orders,
                    "delivered": c.delivered,
                    "late": c.late,
                    "late_share": round(mean(c.late as f64, c.orders)),
                    "ready_to_pickup_mean_min": round(mean(c.ready_to_pickup_min, c.delivered)),
                    "click_to_door_mean_min": round(mean(c.click_to_door_min, c.delivered)),
                    "lateness_mean_min": round(mean(c.lateness_min, c.late)),
                }
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// Writes `cells.geojson` and `late_orders.png` into `dir`.
///
/// # Errors
/// A file that cannot be written or drawn.
pub fn write(dir: &Path, out: &RunOutput) -> Result<(), String> {
    let text = serde_json::to_string(&geojson(out)).map_err(|e| e.to_string())?;
    let file = dir.join("cells.geojson");
    std::fs::write(&file, text + "\n").map_err(|e| format!("{}: {e}", file.display()))?;
    heatmap(&dir.join("late_orders.png"), out).map_err(|e| e.to_string())
}

/// Bins of the heatmap along each axis.
const BINS: usize = 60;

/// Late orders by where they went: a grid over the drop-offs, each square
/// shaded by how many late orders it holds.
fn heatmap(file: &Path, out: &RunOutput) -> Result<(), crate::plots::PlotError> {
    let points: Vec<(f64, f64)> = out.orders.iter().map(|o| (o.dropoff.lng(), o.dropoff.lat())).collect();
    let late: Vec<(f64, f64)> = out
        .orders
        .iter()
        .filter(|o| lateness_min(o).is_some())
        .map(|o| (o.dropoff.lng(), o.dropoff.lat()))
        .collect();
    let (x0, x1, y0, y1) = points
        .iter()
        .fold((f64::MAX, f64::MIN, f64::MAX, f64::MIN), |(x0, x1, y0, y1), &(x, y)| {
            (x0.min(x), x1.max(x), y0.min(y), y1.max(y))
        });
    let (x0, x1, y0, y1) = if x0 < x1 && y0 < y1 {
        (x0, x1, y0, y1)
    } else {
        (0.0, 1.0, 0.0, 1.0)
    };
    let (dx, dy) = ((x1 - x0) / BINS as f64, (y1 - y0) / BINS as f64);
    let mut grid = vec![0u32; BINS * BINS];
    for &(x, y) in &late {
        let i = (((x - x0) / dx) as usize).min(BINS - 1);
        let j = (((y - y0) / dy) as usize).min(BINS - 1);
        if let Some(n) = grid.get_mut(j * BINS + i) {
            *n += 1;
        }
    }
    let top = f64::from(grid.iter().copied().max().unwrap_or(0).max(1));
    let title = format!(
        "Late orders by drop-off ({} of {}): {}, seed {}, scale {}",
        late.len(),
        points.len(),
        out.scenario,
        out.seed,
        out.scale
    );
    crate::plots::draw_on(file, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("longitude")
            .y_desc("latitude")
            .draw()
            .map_err(|e| e.to_string())?;
        let squares = grid.iter().enumerate().filter(|(_, n)| **n > 0).map(|(k, &n)| {
            let (i, j) = ((k % BINS) as f64, (k / BINS) as f64);
            let heat = f64::from(n) / top;
            let colour = HSLColor(0.0, 0.9, 0.9 - 0.55 * heat);
            Rectangle::new(
                [(x0 + i * dx, y0 + j * dy), (x0 + (i + 1.0) * dx, y0 + (j + 1.0) * dy)],
                colour.filled(),
            )
        });
        chart.draw_series(squares).map_err(|e| e.to_string())?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use courier_core::{GeoPoint, OrderId};

    #[test]
    fn orders_fall_in_the_cells_of_their_drop_offs() {
        let mut out = RunOutput::default();
        let here = GeoPoint::new(60.17, 24.94).unwrap();
        for (id, at) in [(1, here), (2, here), (3, here.offset_m(5_000.0, 0.0).unwrap())] {
            let mut o = OrderTrack::for_tests(OrderId::new(id));
            o.dropoff = at;
            o.times[0] = Some(0);
            o.times[5] = Some(30 * 60_000);
            out.orders.push(o);
        }
        let json = geojson(&out);
        let features = json["features"].as_array().unwrap();
        assert_eq!(features.len(), 2);
        let counts: Vec<u64> = features
            .iter()
            .map(|f| f["properties"]["orders"].as_u64().unwrap())
            .collect();
        assert_eq!(counts.iter().sum::<u64>(), 3);
        assert!(counts.contains(&2));
        let ring = features[0]["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.first(), ring.last(), "a closed ring");
        assert!(ring.len() >= 7, "a hexagon and its closing vertex");
        assert_eq!(features[0]["properties"]["click_to_door_mean_min"].as_f64(), Some(30.0));
    }
}
