//! Reading an OpenStreetMap PBF extract: the ways with a `highway` tag and
//! the positions of their nodes, in two passes so that the nodes of
//! buildings and the rest are never kept.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use courier_core::GeoPoint;
use osmpbf::{Element, ElementReader};

use crate::error::RoadError;
use crate::graph::{RawMap, RawWay};

/// The streets of the extract at `file`.
///
/// # Errors
/// The file cannot be read or is not a PBF extract.
pub fn read(file: &Path) -> Result<RawMap, RoadError> {
    let unreadable = |e: osmpbf::Error| RoadError::Unreadable {
        file: file.to_path_buf(),
        message: e.to_string(),
    };
    if std::fs::metadata(file)
        .map_err(|e| RoadError::Unreadable {
            file: file.to_path_buf(),
            message: e.to_string(),
        })?
        .len()
        == 0
    {
        return Err(RoadError::Unreadable {
            file: file.to_path_buf(),
            message: "the file is empty".into(),
        });
    }
    let mut ways = Vec::new();
    ElementReader::from_path(file)
        .map_err(unreadable)?
        .for_each(|element| {
            if let Element::Way(w) = element
                && w.tags().any(|(k, _)| k == "highway")
            {
                ways.push(RawWay {
                    nodes: w.refs().collect(),
                    tags: w.tags().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
                });
            }
        })
        .map_err(unreadable)?;
    let wanted: HashSet<i64> = ways.iter().flat_map(|w| w.nodes.iter().copied()).collect();
    let mut nodes = HashMap::with_capacity(wanted.len());
    ElementReader::from_path(file)
        .map_err(unreadable)?
        .for_each(|element| {
            let (id, lat, lng) = match element {
                Element::Node(n) => (n.id(), n.lat(), n.lon()),
                Element::DenseNode(n) => (n.id(), n.lat(), n.lon()),
                _ => return,
            };
            if wanted.contains(&id)
                && let Ok(p) = GeoPoint::new(lat, lng)
            {
                nodes.insert(id, p);
            }
        })
        .map_err(unreadable)?;
    Ok(RawMap { nodes, ways })
}
