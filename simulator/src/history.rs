//! A planner's own data: historical orders (and, optionally, courier
//! shifts) from CSV, replayed through the scenario engine in place of the
//! scenario's generated demand, restaurants and fleet.
//!
//! `orders.csv` needs `placed_at` (RFC 3339), `restaurant_id`,
//! `pickup_lat`, `pickup_lng`, `dropoff_lat`, `dropoff_lng`; `ready_at`
//! (RFC 3339) or `prep_minutes` may say when the food was ready; other
//! columns are ignored, so a run's own `orders.csv` replays as it is (an
//! order it never paid for, with no `placed_at`, by its `created_at`).
//! `couriers.csv` needs `courier_id`, `on_at`, `off_at` (RFC 3339), `lat`,
//! `lng` (where the shift starts). `docs/scenario.md` documents both.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use courier_core::GeoPoint;

use crate::clock::CityClock;
use crate::scenario::ScenarioError;

/// One historical order, on simulated time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PastOrder {
    /// When the customer placed it, simulated ms.
    pub placed_ms: i64,
    /// Index into [`History::restaurants`].
    pub restaurant: usize,
    /// Where it went.
    pub dropoff: GeoPoint,
    /// When its food was ready, simulated ms, if recorded.
    pub ready_ms: Option<i64>,
    /// How long the kitchen took, minutes, if recorded instead.
    pub prep_minutes: Option<f64>,
}

/// One historical courier shift, on simulated time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PastShift {
    /// Online from, simulated ms.
    pub on_ms: i64,
    /// Logged off at.
    pub off_ms: i64,
    /// Where the shift started.
    pub start: GeoPoint,
}

/// Historical orders and shifts, ordered by time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// Each restaurant's id as the data names it, and its place.
    pub restaurants: Vec<(String, GeoPoint)>,
    /// The orders, by placement time.
    pub orders: Vec<PastOrder>,
    /// The shifts, by start (none: the scenario's fleet works).
    pub shifts: Vec<PastShift>,
}

/// Where a history file's rows are read from.
struct Table {
    file: PathBuf,
    headers: csv::StringRecord,
    /// The file's bytes: lines are counted in them, since the reader's own
    /// count is one short in files with CRLF line ends.
    bytes: std::sync::Arc<[u8]>,
    reader: csv::Reader<std::io::Cursor<std::sync::Arc<[u8]>>>,
}

impl Table {
    fn open(file: &Path) -> Result<Table, ScenarioError> {
        let bytes: std::sync::Arc<[u8]> = std::fs::read(file)
            .map_err(|e| error(file, 0, "(file)", &e.to_string()))?
            .into();
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(std::io::Cursor::new(bytes.clone()));
        let headers = reader
            .headers()
            .map_err(|e| error(file, 1, "(header)", &e.to_string()))?
            .clone();
        Ok(Table {
            file: file.to_path_buf(),
            headers,
            bytes,
            reader,
        })
    }

    /// The 1-based line at byte `offset`.
    fn line_at(&self, offset: u64) -> usize {
        // With CRLF ends a record's position can fall on the end of the
        // line before it: its first byte is after any line ends.
        let mut at = (offset as usize).min(self.bytes.len());
        while self.bytes.get(at).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            at += 1;
        }
        self.bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1
    }

    /// The column `name`'s index; an error at the header when required and absent.
    fn column(&self, name: &str, required: bool) -> Result<Option<usize>, ScenarioError> {
        match self.headers.iter().position(|h| h == name) {
            Some(i) => Ok(Some(i)),
            None if required => Err(error(
                &self.file,
                1,
                name,
                &format!(
                    "missing column; the header has {}",
                    self.headers.iter().collect::<Vec<_>>().join(", ")
                ),
            )),
            None => Ok(None),
        }
    }
}

/// A cell of one row, parsed, with errors naming file, line and column.
struct Row<'a> {
    file: &'a Path,
    line: usize,
    record: &'a csv::StringRecord,
    headers: &'a csv::StringRecord,
}

impl Row<'_> {
    fn text(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or("")
    }

    fn fail(&self, i: usize, message: &str) -> ScenarioError {
        error(self.file, self.line, self.headers.get(i).unwrap_or("?"), message)
    }

    fn time(&self, i: usize, clock: &CityClock) -> Result<i64, ScenarioError> {
        clock.sim_ms(self.text(i)).map_err(|e| self.fail(i, &e))
    }

    fn number(&self, i: usize) -> Result<f64, ScenarioError> {
        self.text(i)
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.fail(i, &format!("{:?} is not a number", self.text(i))))
    }

    fn point(&self, lat: usize, lng: usize) -> Result<GeoPoint, ScenarioError> {
        let (a, b) = (self.number(lat)?, self.number(lng)?);
        GeoPoint::new(a, b).map_err(|e| self.fail(lat, &e.to_string()))
    }

    /// An optional cell: none when the column is absent or the cell empty.
    fn present(&self, i: Option<usize>) -> Option<usize> {
        i.filter(|&i| !self.text(i).is_empty())
    }
}

fn error(file: &Path, line: usize, field: &str, message: &str) -> ScenarioError {
    ScenarioError {
        file: file.to_path_buf(),
        line,
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// Reads every row of `table`, handing each to `each`.
fn rows(
    table: &mut Table,
    mut each: impl FnMut(&Row<'_>) -> Result<(), ScenarioError>,
) -> Result<usize, ScenarioError> {
    let mut record = csv::StringRecord::new();
    let mut count = 0;
    loop {
        match table.reader.read_record(&mut record) {
            Ok(false) => return Ok(count),
            Ok(true) => {
                let line = record.position().map_or(0, |p| table.line_at(p.byte()));
                each(&Row {
                    file: &table.file,
                    line,
                    record: &record,
                    headers: &table.headers,
                })?;
                count += 1;
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| table.line_at(p.byte()));
                return Err(error(&table.file, line, "(row)", &e.to_string()));
            }
        }
    }
}

impl History {
    /// Reads the orders file and, if given, the shifts file; times are read
    /// on the city's `clock`.
    ///
    /// # Errors
    /// A file that cannot be read, a missing column, or a bad cell, named by
    /// file, line and column; a restaurant given two places; no orders.
    pub fn load(orders: &Path, couriers: Option<&Path>, clock: &CityClock) -> Result<History, ScenarioError> {
        let mut history = History::default();
        let mut table = Table::open(orders)?;
        let placed = table.column("placed_at", true)?.unwrap_or(0);
        let restaurant = table.column("restaurant_id", true)?.unwrap_or(0);
        let pickup = (table.column("pickup_lat", true)?, table.column("pickup_lng", true)?);
        let dropoff = (table.column("dropoff_lat", true)?, table.column("dropoff_lng", true)?);
        let (ready, prep) = (table.column("ready_at", false)?, table.column("prep_minutes", false)?);
        // A run's own orders.csv leaves placed_at empty for an order never
        // paid; its created_at is when the customer ordered.
        let created = table.column("created_at", false)?;
        let mut by_id: HashMap<String, usize> = HashMap::new();
        rows(&mut table, |row| {
            let placed_ms = match row.present(Some(placed)).or(row.present(created)) {
                Some(i) => row.time(i, clock)?,
                None => row.time(placed, clock)?,
            };
            let id = row.text(restaurant);
            if id.is_empty() {
                return Err(row.fail(restaurant, "empty restaurant id"));
            }
            let place = row.point(pickup.0.unwrap_or(0), pickup.1.unwrap_or(0))?;
            let index = match by_id.get(id) {
                Some(&i) if history.restaurants[i].1.distance_m(place) > 50.0 => {
                    return Err(row.fail(
                        pickup.0.unwrap_or(0),
                        &format!("restaurant {id} was at another place on an earlier row"),
                    ));
                }
                Some(&i) => i,
                None => {
                    history.restaurants.push((id.to_owned(), place));
                    by_id.insert(id.to_owned(), history.restaurants.len() - 1);
                    history.restaurants.len() - 1
                }
            };
            let ready_ms = row.present(ready).map(|i| row.time(i, clock)).transpose()?;
            if let Some(r) = ready_ms.filter(|&r| r < placed_ms) {
                return Err(row.fail(
                    ready.unwrap_or(0),
                    &format!("ready {} min before it was placed", (placed_ms - r) / 60_000),
                ));
            }
            let prep_minutes = row.present(prep).map(|i| row.number(i)).transpose()?;
            if let Some(p) = prep_minutes.filter(|p| !(0.0..=600.0).contains(p)) {
                return Err(row.fail(prep.unwrap_or(0), &format!("{p} is not 0..=600 minutes")));
            }
            history.orders.push(PastOrder {
                placed_ms,
                restaurant: index,
                dropoff: row.point(dropoff.0.unwrap_or(0), dropoff.1.unwrap_or(0))?,
                ready_ms,
                prep_minutes,
            });
            Ok(())
        })?;
        if history.orders.is_empty() {
            return Err(error(orders, 1, "(rows)", "no orders"));
        }
        history.orders.sort_by_key(|o| o.placed_ms);
        if let Some(file) = couriers {
            let mut table = Table::open(file)?;
            table.column("courier_id", true)?;
            let on = table.column("on_at", true)?.unwrap_or(0);
            let off = table.column("off_at", true)?.unwrap_or(0);
            let (lat, lng) = (
                table.column("lat", true)?.unwrap_or(0),
                table.column("lng", true)?.unwrap_or(0),
            );
            rows(&mut table, |row| {
                let (on_ms, off_ms) = (row.time(on, clock)?, row.time(off, clock)?);
                if off_ms <= on_ms {
                    return Err(row.fail(off, "the shift ends before it starts"));
                }
                history.shifts.push(PastShift {
                    on_ms,
                    off_ms,
                    start: row.point(lat, lng)?,
                });
                Ok(())
            })?;
            if history.shifts.is_empty() {
                return Err(error(file, 1, "(rows)", "no shifts"));
            }
            history.shifts.sort_by_key(|s| s.on_ms);
        }
        Ok(history)
    }

    /// The local midnight (simulated ms) of the day the first order was
    /// placed: the run starts `start_hour` after it.
    pub fn first_day_ms(&self) -> i64 {
        let first = self.orders.first().map_or(0, |o| o.placed_ms);
        first - first.rem_euclid(86_400_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn nyc() -> CityClock {
        CityClock::new("America/New_York").unwrap()
    }

    #[test]
    fn orders_and_shifts_read_on_the_city_clock() {
        let tmp = tempfile::tempdir().unwrap();
        let orders = write(
            tmp.path(),
            "orders.csv",
            "placed_at,restaurant_id,pickup_lat,pickup_lng,dropoff_lat,dropoff_lng,ready_at,prep_minutes,extra\n\
             2026-11-27T19:10:00-05:00,r2,40.75,-73.99,40.76,-73.98,,12,x\n\
             2026-11-27T19:05:00-05:00,r1,40.74,-73.99,40.75,-73.98,2026-11-27T19:20:00-05:00,,y\n\
             2026-11-28T00:30:00Z,r1,40.74,-73.99,40.73,-73.97,,,z\n",
        );
        let couriers = write(
            tmp.path(),
            "couriers.csv",
            "courier_id,on_at,off_at,lat,lng\nc1,2026-11-27T17:00:00-05:00,2026-11-27T22:00:00-05:00,40.75,-73.99\n",
        );
        let h = History::load(&orders, Some(&couriers), &nyc()).unwrap();
        assert_eq!(h.restaurants.len(), 2);
        assert_eq!(
            h.restaurants[0].0, "r2",
            "restaurants keep the order of their first row"
        );
        let clock = |ms: i64| nyc().rfc3339(ms);
        assert_eq!(
            clock(h.orders[0].placed_ms),
            "2026-11-27T19:05:00-05:00",
            "sorted by time"
        );
        assert_eq!(clock(h.orders[2].placed_ms), "2026-11-27T19:30:00-05:00");
        assert_eq!(
            h.orders[0].ready_ms.map(clock).as_deref(),
            Some("2026-11-27T19:20:00-05:00")
        );
        assert_eq!(h.orders[1].prep_minutes, Some(12.0));
        assert_eq!((h.orders[2].ready_ms, h.orders[2].prep_minutes), (None, None));
        assert_eq!(clock(h.first_day_ms()), "2026-11-27T00:00:00-05:00");
        assert_eq!(h.shifts[0].off_ms - h.shifts[0].on_ms, 5 * 3_600_000);
    }

    #[test]
    fn a_bad_cell_names_file_line_and_column() {
        let tmp = tempfile::tempdir().unwrap();
        let head = "placed_at,restaurant_id,pickup_lat,pickup_lng,dropoff_lat,dropoff_lng\n";
        let good = "2026-11-27T19:10:00-05:00,r2,40.75,-73.99,40.76,-73.98\n";
        for (bad, field) in [
            ("2026-11-27 19:10,r2,40.75,-73.99,40.76,-73.98\n", "placed_at"),
            ("2026-11-27T19:10:00-05:00,r2,40.75,-73.99,95.0,-73.98\n", "dropoff_lat"),
            ("2026-11-27T19:10:00-05:00,r2,40.75,-73.99,40.76,east\n", "dropoff_lng"),
            ("2026-11-27T19:10:00-05:00,r2,40.85,-73.99,40.76,-73.98\n", "pickup_lat"),
            (
                "2026-11-27T19:10:00-05:00,,40.75,-73.99,40.76,-73.98\n",
                "restaurant_id",
            ),
        ] {
            for text in [
                format!("{head}{good}{bad}"),
                format!("{head}{good}{bad}").replace('\n', "\r\n"),
            ] {
                let file = write(tmp.path(), "o.csv", &text);
                let e = History::load(&file, None, &nyc()).unwrap_err();
                assert_eq!((e.line, e.field.as_str()), (3, field), "{e}");
                assert_eq!(e.file, file);
            }
        }
        let file = write(tmp.path(), "o.csv", "placed_at,restaurant_id\n");
        let e = History::load(&file, None, &nyc()).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (1, "pickup_lat"), "{e}");
        let file = write(tmp.path(), "o.csv", head);
        assert!(
            History::load(&file, None, &nyc())
                .unwrap_err()
                .message
                .contains("no orders")
        );
    }
}
