//! Road networks from OpenStreetMap for Courier: travel on the streets a
//! courier's vehicle may use instead of great-circle distance.
//!
//! - [`Router::from_pbf`] reads an extract (`.osm.pbf`) into a directed
//!   graph for a [`Mode`] (which ways, which directions, how fast: see
//!   [`mode`]), kept to its largest strongly connected part, with an index
//!   to snap any point to its nearest street and a contraction hierarchy
//!   for one-to-one queries;
//! - [`Router::times_from`] and [`Router::times_to`] answer one-to-many
//!   and many-to-one with one search;
//! - [`RoadTravel`] is matching's [`TravelTimes`](courier_matching::TravelTimes)
//!   on the streets.
//!
//! File reading lives here, at the edge: the pure crates take a
//! `TravelTimes` and never touch a file.
//!
//! ```
//! use courier_core::GeoPoint;
//! use courier_roads::{Mode, RawMap, RawWay, Router};
//!
//! // Two streets meeting at a corner, 100 m each way.
//! let mut map = RawMap::default();
//! let p = |lat: f64, lng: f64| GeoPoint::new(lat, lng).unwrap();
//! map.nodes.insert(1, p(60.1700, 24.9400));
//! map.nodes.insert(2, p(60.1709, 24.9400));
//! map.nodes.insert(3, p(60.1709, 24.9418));
//! let street = |nodes: Vec<i64>| RawWay {
//!     nodes,
//!     tags: [("highway".to_owned(), "residential".to_owned())].into(),
//! };
//! map.ways = vec![street(vec![1, 2]), street(vec![2, 3])];
//! let router = Router::from_map(&map, Mode::Bicycle)?;
//! let from = router.snap(p(60.1700, 24.9400), 50.0)?;
//! let to = router.snap(p(60.1709, 24.9418), 50.0)?;
//! let path = router.path(&from, &to).unwrap();
//! // About 200 m at 18 km/h: 40 seconds.
//! assert!((path.length_m - 200.0).abs() < 2.0);
//! assert!((path.time_ms as f64 / 1000.0 - 40.0).abs() < 0.5);
//! # Ok::<(), courier_roads::RoadError>(())
//! ```

mod error;
mod graph;
pub mod mode;
mod osm;
mod router;
mod scc;
mod snap;
mod travel;

pub use error::RoadError;
pub use graph::{Edge, RawMap, RawWay, RoadGraph, Segment};
pub use mode::Mode;
pub use osm::read as read_pbf;
pub use router::{RoadPath, Router};
pub use snap::Snap;
pub use travel::{OFF_STREET_MPS, RoadTravel};
