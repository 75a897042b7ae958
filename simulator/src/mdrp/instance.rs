//! An MDRP instance: restaurants, orders, couriers and the rules' numbers,
//! loaded from its folder with errors naming file, line and column.

use std::path::Path;

use rustc_hash::FxHashMap;

use super::table::{Row, Table, TableError, read_text};

/// A point in the instance's planar metres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// Metres east.
    pub x: i64,
    /// Metres north.
    pub y: i64,
}

/// A restaurant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restaurant {
    /// The instance's id (`r12`).
    pub id: String,
    /// Where it is.
    pub at: Point,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The instance's id (`o7`).
    pub id: String,
    /// The drop-off point.
    pub drop_off: Point,
    /// Minute the customer placed it.
    pub placed: i64,
    /// Index of its restaurant in [`Instance::restaurants`].
    pub restaurant: usize,
    /// Minute the food is ready.
    pub ready: i64,
}

/// A courier's shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Courier {
    /// The instance's id (`c3`).
    pub id: String,
    /// Where the shift starts.
    pub start: Point,
    /// Minute the shift starts.
    pub on: i64,
    /// Minute the shift ends (no pickup after it; drop-offs may run over).
    pub off: i64,
}

/// The instance's numbers (`instance_parameters.txt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parameters {
    /// Travel speed.
    pub meters_per_minute: i64,
    /// Pickup service minutes (half on arrival, half before leaving).
    pub pickup_service: i64,
    /// Drop-off service minutes (likewise).
    pub dropoff_service: i64,
    /// Target click-to-door, minutes.
    pub target_click_to_door: i64,
    /// Maximum click-to-door, minutes.
    pub max_click_to_door: i64,
    /// Pay per order delivered.
    pub pay_per_order: i64,
    /// Guaranteed pay per shift hour.
    pub guaranteed_pay_per_hour: i64,
}

/// A whole instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// The folder's name.
    pub name: String,
    /// Restaurants, in file order.
    pub restaurants: Vec<Restaurant>,
    /// Orders, in file order.
    pub orders: Vec<Order>,
    /// Couriers, in file order.
    pub couriers: Vec<Courier>,
    /// The rules' numbers.
    pub params: Parameters,
}

impl Instance {
    /// Loads the instance in `dir`.
    ///
    /// # Errors
    /// A file missing or unreadable, a value that is not an integer, an
    /// unknown restaurant id, a duplicate id, a shift ending before it
    /// starts, food ready before the order was placed, a non-positive speed:
    /// each named by file, line and column.
    pub fn load(dir: &Path) -> Result<Instance, TableError> {
        let params = load_parameters(&dir.join("instance_parameters.txt"))?;
        let restaurants = load_restaurants(&dir.join("restaurants.txt"))?;
        let by_id: FxHashMap<&str, usize> = restaurants
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        let orders = load_orders(&dir.join("orders.txt"), &by_id)?;
        let couriers = load_couriers(&dir.join("couriers.txt"))?;
        let name = dir
            .file_name()
            .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
        Ok(Instance {
            name,
            restaurants,
            orders,
            couriers,
            params,
        })
    }

    /// Travel minutes between two points: `ceil(euclidean / speed)`.
    pub fn travel(&self, a: Point, b: Point) -> i64 {
        travel_minutes(a, b, self.params.meters_per_minute)
    }

    /// The same instance with `share` of its couriers removed, chosen by a
    /// generator seeded with `seed` (a harder variant: the same demand with
    /// fewer couriers); its name says so (`-c15s1`: 15% removed, seed 1).
    /// At least one courier stays.
    pub fn without_couriers(&self, share: f64, seed: u64) -> Instance {
        use rand::SeedableRng;
        use rand::seq::index::sample;
        let n = self.couriers.len();
        let removed = ((n as f64 * share.clamp(0.0, 1.0)).round() as usize).min(n.saturating_sub(1));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut gone = vec![false; n];
        for i in sample(&mut rng, n, removed) {
            gone[i] = true;
        }
        Instance {
            name: format!("{}-c{:.0}s{seed}", self.name, share * 100.0),
            couriers: self
                .couriers
                .iter()
                .zip(&gone)
                .filter(|(_, gone)| !**gone)
                .map(|(c, _)| c.clone())
                .collect(),
            ..self.clone()
        }
    }

    /// An order can be delivered by someone: its food is ready no later
    /// than the last shift ends.
    pub fn deliverable(&self, order: usize) -> bool {
        let last_off = self.couriers.iter().map(|c| c.off).max().unwrap_or(i64::MIN);
        self.orders.get(order).is_some_and(|o| o.ready <= last_off)
    }
}

/// `ceil(euclidean(a, b) / meters_per_minute)`, computed exactly on integers.
pub fn travel_minutes(a: Point, b: Point, meters_per_minute: i64) -> i64 {
    let (dx, dy) = ((a.x - b.x) as i128, (a.y - b.y) as i128);
    let squared = dx * dx + dy * dy;
    if squared == 0 || meters_per_minute <= 0 {
        return 0;
    }
    let speed = meters_per_minute as i128;
    // The float estimate is within one of the answer; settle it on integers:
    // the answer is the least m with (m * speed)^2 >= squared.
    let mut m = ((squared as f64).sqrt() / meters_per_minute as f64).ceil() as i128;
    while m > 0 && ((m - 1) * speed).pow(2) >= squared {
        m -= 1;
    }
    while (m * speed).pow(2) < squared {
        m += 1;
    }
    m as i64
}

fn point(row: &Row<'_>) -> Result<Point, TableError> {
    Ok(Point {
        x: row.get("x")?,
        y: row.get("y")?,
    })
}

fn load_parameters(file: &Path) -> Result<Parameters, TableError> {
    let columns = [
        "meters_per_minute",
        "pickup service minutes",
        "dropoff service minutes",
        "target click-to-door",
        "maximum click-to-door",
        "pay per order",
        "guaranteed pay per hour",
    ];
    // The header's names contain spaces: read it by position, tab-separated.
    let text = read_text(file)?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).skip(1);
    let Some((i, line)) = lines.next() else {
        return Err(TableError::new(file, 2, "(row)", "no parameter row"));
    };
    let cells: Vec<&str> = line.split_whitespace().collect();
    let mut values = [0i64; 7];
    for (k, column) in columns.iter().enumerate() {
        let cell = cells
            .get(k)
            .ok_or_else(|| TableError::new(file, i + 1, *column, "missing"))?;
        values[k] = cell
            .parse()
            .map_err(|_| TableError::new(file, i + 1, *column, format!("{cell:?} is not an integer")))?;
        if values[k] < 0 || (k == 0 && values[k] == 0) {
            return Err(TableError::new(
                file,
                i + 1,
                *column,
                format!("{} must be positive", values[k]),
            ));
        }
    }
    let [
        meters_per_minute,
        pickup_service,
        dropoff_service,
        target,
        max,
        pay,
        guaranteed,
    ] = values;
    Ok(Parameters {
        meters_per_minute,
        pickup_service,
        dropoff_service,
        target_click_to_door: target,
        max_click_to_door: max,
        pay_per_order: pay,
        guaranteed_pay_per_hour: guaranteed,
    })
}

fn unique(seen: &mut FxHashMap<String, usize>, row: &Row<'_>, column: &str, id: &str) -> Result<(), TableError> {
    if let Some(first) = seen.insert(id.to_owned(), row.line()) {
        return Err(row.error(column, format!("{id:?} repeats the id on line {first}")));
    }
    Ok(())
}

fn load_restaurants(file: &Path) -> Result<Vec<Restaurant>, TableError> {
    let table = Table::read(file, &["restaurant", "x", "y"])?;
    let mut seen = FxHashMap::default();
    table
        .rows()
        .map(|row| {
            let id = row.text("restaurant")?;
            unique(&mut seen, &row, "restaurant", id)?;
            Ok(Restaurant {
                id: id.to_owned(),
                at: point(&row)?,
            })
        })
        .collect()
}

fn load_orders(file: &Path, restaurants: &FxHashMap<&str, usize>) -> Result<Vec<Order>, TableError> {
    let table = Table::read(file, &["order", "x", "y", "placement_time", "restaurant", "ready_time"])?;
    let mut seen = FxHashMap::default();
    table
        .rows()
        .map(|row| {
            let id = row.text("order")?;
            unique(&mut seen, &row, "order", id)?;
            let r = row.text("restaurant")?;
            let restaurant = *restaurants
                .get(r)
                .ok_or_else(|| row.error("restaurant", format!("{r:?} is not in restaurants.txt")))?;
            let placed: i64 = row.get("placement_time")?;
            let ready: i64 = row.get("ready_time")?;
            if ready < placed {
                return Err(row.error("ready_time", format!("{ready} is before placement_time {placed}")));
            }
            Ok(Order {
                id: id.to_owned(),
                drop_off: point(&row)?,
                placed,
                restaurant,
                ready,
            })
        })
        .collect()
}

fn load_couriers(file: &Path) -> Result<Vec<Courier>, TableError> {
    let table = Table::read(file, &["courier", "x", "y", "on_time", "off_time"])?;
    let mut seen = FxHashMap::default();
    table
        .rows()
        .map(|row| {
            let id = row.text("courier")?;
            unique(&mut seen, &row, "courier", id)?;
            let on: i64 = row.get("on_time")?;
            let off: i64 = row.get("off_time")?;
            if off < on {
                return Err(row.error("off_time", format!("{off} is before on_time {on}")));
            }
            Ok(Courier {
                id: id.to_owned(),
                start: point(&row)?,
                on,
                off,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Point, travel_minutes};

    #[test]
    fn travel_is_the_ceiling_of_distance_over_speed() {
        let o = Point { x: 0, y: 0 };
        assert_eq!(travel_minutes(o, o, 320), 0);
        assert_eq!(travel_minutes(o, Point { x: 320, y: 0 }, 320), 1);
        assert_eq!(travel_minutes(o, Point { x: 321, y: 0 }, 320), 2);
        // 3-4-5: exactly 5 * 64 metres is 1 minute at 320 m/min.
        assert_eq!(travel_minutes(o, Point { x: 192, y: 256 }, 320), 1);
        assert_eq!(travel_minutes(o, Point { x: 192, y: 257 }, 320), 2);
        assert_eq!(
            travel_minutes(Point { x: 5_000, y: -7_000 }, Point { x: -4_000, y: 9_000 }, 427),
            43
        );
    }
}
