//! A replay's decisions in the three files of the public MDRP scoring
//! format, written and read back.

use std::fmt::Write as _;
use std::path::Path;

use rustc_hash::FxHashMap;

use super::instance::{Instance, Point};
use super::table::{Row, Table, TableError};

/// The assignments file.
pub const ASSIGNMENTS_FILE: &str = "solution_info_assignments.txt";
/// The per-order file.
pub const ORDERS_FILE: &str = "solution_info_orders.txt";
/// The courier movements file.
pub const COURIERS_FILE: &str = "solution_info_couriers.txt";

/// Where a courier is or goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    /// The courier's start point (`0` in the files).
    Start,
    /// A restaurant, by index.
    Restaurant(usize),
    /// An order's drop-off point, by index.
    DropOff(usize),
}

/// One bundle picked up by one courier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Minute the bundle was given to the courier.
    pub assigned: i64,
    /// Minute the courier picked it up.
    pub pickup: i64,
    /// The courier, by index.
    pub courier: usize,
    /// The orders, by index, in drop-off sequence.
    pub orders: Vec<usize>,
}

/// What became of one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderOutcome {
    /// Pickup minute, if picked up.
    pub pickup: Option<i64>,
    /// Drop-off minute, if delivered.
    pub dropoff: Option<i64>,
    /// The courier, if assigned.
    pub courier: Option<usize>,
}

/// One courier movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Movement {
    /// The courier, by index.
    pub courier: usize,
    /// Minute it leaves.
    pub depart: i64,
    /// Where it leaves from.
    pub from: Place,
    /// Where it goes.
    pub to: Place,
}

/// A whole solution: what the three files hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Solution {
    /// Bundle pickups, in decision order.
    pub assignments: Vec<Assignment>,
    /// One outcome per instance order, by index.
    pub orders: Vec<OrderOutcome>,
    /// Movements, grouped by courier in time order.
    pub movements: Vec<Movement>,
}

impl Instance {
    /// The point of `place` for `courier` (its start point for [`Place::Start`]).
    pub fn point_of(&self, courier: usize, place: Place) -> Option<Point> {
        match place {
            Place::Start => self.couriers.get(courier).map(|c| c.start),
            Place::Restaurant(r) => self.restaurants.get(r).map(|r| r.at),
            Place::DropOff(o) => self.orders.get(o).map(|o| o.drop_off),
        }
    }
}

fn place_id(instance: &Instance, place: Place) -> &str {
    match place {
        Place::Start => "0",
        Place::Restaurant(r) => instance.restaurants.get(r).map_or("?", |r| r.id.as_str()),
        Place::DropOff(o) => instance.orders.get(o).map_or("?", |o| o.id.as_str()),
    }
}

fn or_nan(value: Option<impl std::fmt::Display>) -> String {
    value.map_or_else(|| "NaN".to_owned(), |v| v.to_string())
}

impl Solution {
    /// Writes the three files into `dir`.
    ///
    /// # Errors
    /// The folder or a file cannot be written.
    pub fn write(&self, instance: &Instance, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let courier = |c: usize| instance.couriers.get(c).map_or("?", |c| c.id.as_str());
        let mut text = String::from("assignment_time pickup_time courier orders\n");
        for a in &self.assignments {
            let _ = write!(text, "{} {} {}", a.assigned, a.pickup, courier(a.courier));
            for &o in &a.orders {
                let _ = write!(text, " {}", place_id(instance, Place::DropOff(o)));
            }
            text.push('\n');
        }
        std::fs::write(dir.join(ASSIGNMENTS_FILE), text)?;

        let mut text = String::from("order placement_time restaurant ready_time pickup_time dropoff_time courier\n");
        for (o, order) in instance.orders.iter().enumerate() {
            let out = self.orders.get(o).copied().unwrap_or_default();
            let _ = writeln!(
                text,
                "{} {} {} {} {} {} {}",
                order.id,
                order.placed,
                place_id(instance, Place::Restaurant(order.restaurant)),
                order.ready,
                or_nan(out.pickup),
                or_nan(out.dropoff),
                out.courier.map_or("NaN", courier),
            );
        }
        std::fs::write(dir.join(ORDERS_FILE), text)?;

        let mut text = String::from("courier departure_time origin destination\n");
        for m in &self.movements {
            let _ = writeln!(
                text,
                "{} {} {} {}",
                courier(m.courier),
                m.depart,
                place_id(instance, m.from),
                place_id(instance, m.to)
            );
        }
        std::fs::write(dir.join(COURIERS_FILE), text)
    }

    /// Reads the three files from `dir`, resolving ids against `instance`.
    ///
    /// # Errors
    /// A file missing or malformed, an id the instance does not have.
    pub fn read(instance: &Instance, dir: &Path) -> Result<Solution, TableError> {
        let ids = Ids::new(instance);
        let table = Table::read_ragged(
            &dir.join(ASSIGNMENTS_FILE),
            &["assignment_time", "pickup_time", "courier"],
        )?;
        let mut assignments = Vec::with_capacity(table.len());
        for row in table.rows() {
            let orders = row
                .rest(3)
                .iter()
                .map(|id| {
                    ids.order
                        .get(id.as_str())
                        .copied()
                        .ok_or_else(|| unknown(&row, "orders", id))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if orders.is_empty() {
                return Err(row.error("orders", "a bundle without orders"));
            }
            assignments.push(Assignment {
                assigned: row.get("assignment_time")?,
                pickup: row.get("pickup_time")?,
                courier: ids.courier(&row, "courier")?,
                orders,
            });
        }

        let columns = ["order", "pickup_time", "dropoff_time", "courier"];
        let table = Table::read(&dir.join(ORDERS_FILE), &columns)?;
        let mut orders = vec![OrderOutcome::default(); instance.orders.len()];
        for row in table.rows() {
            let id = row.text("order")?;
            let o = *ids.order.get(id).ok_or_else(|| unknown(&row, "order", id))?;
            let courier = match row.text("courier")? {
                nan if nan.eq_ignore_ascii_case("nan") => None,
                _ => Some(ids.courier(&row, "courier")?),
            };
            if let Some(slot) = orders.get_mut(o) {
                *slot = OrderOutcome {
                    pickup: row.get_or_nan("pickup_time")?,
                    dropoff: row.get_or_nan("dropoff_time")?,
                    courier,
                };
            }
        }

        let table = Table::read(
            &dir.join(COURIERS_FILE),
            &["courier", "departure_time", "origin", "destination"],
        )?;
        let mut movements = Vec::with_capacity(table.len());
        for row in table.rows() {
            movements.push(Movement {
                courier: ids.courier(&row, "courier")?,
                depart: row.get("departure_time")?,
                from: ids.place(&row, "origin")?,
                to: ids.place(&row, "destination")?,
            });
        }
        Ok(Solution {
            assignments,
            orders,
            movements,
        })
    }
}

fn unknown(row: &Row<'_>, field: &str, id: &str) -> TableError {
    row.error(field, format!("{id:?} is not in the instance"))
}

struct Ids<'a> {
    restaurant: FxHashMap<&'a str, usize>,
    order: FxHashMap<&'a str, usize>,
    courier: FxHashMap<&'a str, usize>,
}

impl<'a> Ids<'a> {
    fn new(instance: &'a Instance) -> Self {
        Self {
            restaurant: instance
                .restaurants
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id.as_str(), i))
                .collect(),
            order: instance
                .orders
                .iter()
                .enumerate()
                .map(|(i, o)| (o.id.as_str(), i))
                .collect(),
            courier: instance
                .couriers
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.as_str(), i))
                .collect(),
        }
    }

    fn courier(&self, row: &Row<'_>, column: &str) -> Result<usize, TableError> {
        let id = row.text(column)?;
        self.courier.get(id).copied().ok_or_else(|| unknown(row, column, id))
    }

    fn place(&self, row: &Row<'_>, column: &str) -> Result<Place, TableError> {
        let id = row.text(column)?;
        if id == "0" {
            return Ok(Place::Start);
        }
        if let Some(&r) = self.restaurant.get(id) {
            return Ok(Place::Restaurant(r));
        }
        self.order
            .get(id)
            .map(|&o| Place::DropOff(o))
            .ok_or_else(|| unknown(row, column, id))
    }
}
