//! The largest strongly connected part of a directed graph (Kosaraju, with
//! explicit stacks so a long street chain cannot overflow the call stack).

use crate::graph::Edge;

/// Which of `n` nodes belong to the largest strongly connected component
/// of `edges`.
pub(crate) fn largest_component(n: usize, edges: &[Edge]) -> Vec<bool> {
    let mut fwd: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut bwd: Vec<Vec<u32>> = vec![Vec::new(); n];
    for e in edges {
        fwd[e.from as usize].push(e.to);
        bwd[e.to as usize].push(e.from);
    }
    // First pass: nodes in order of finishing.
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    for start in 0..n {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![(start as u32, 0usize)];
        while let Some((v, next)) = stack.pop() {
            match fwd[v as usize].get(next) {
                Some(&w) => {
                    stack.push((v, next + 1));
                    if !seen[w as usize] {
                        seen[w as usize] = true;
                        stack.push((w, 0));
                    }
                }
                None => order.push(v),
            }
        }
    }
    // Second pass on the reversed graph, in reverse finishing order.
    let mut component = vec![u32::MAX; n];
    let mut sizes = Vec::new();
    for &root in order.iter().rev() {
        if component[root as usize] != u32::MAX {
            continue;
        }
        let id = sizes.len() as u32;
        let mut size = 0usize;
        let mut stack = vec![root];
        component[root as usize] = id;
        while let Some(v) = stack.pop() {
            size += 1;
            for &w in &bwd[v as usize] {
                if component[w as usize] == u32::MAX {
                    component[w as usize] = id;
                    stack.push(w);
                }
            }
        }
        sizes.push(size);
    }
    let largest = sizes
        .iter()
        .enumerate()
        .max_by_key(|&(i, s)| (*s, std::cmp::Reverse(i)))
        .map_or(0, |(i, _)| i as u32);
    component.iter().map(|&c| c == largest).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(from: u32, to: u32) -> Edge {
        Edge {
            from,
            to,
            length_m: 1.0,
            time_ms: 1,
        }
    }

    #[test]
    fn a_dead_end_one_way_is_left_out() {
        // 0 <-> 1 <-> 2 is a cycle both ways; 3 is only entered from 2.
        let edges = [edge(0, 1), edge(1, 0), edge(1, 2), edge(2, 1), edge(2, 3)];
        assert_eq!(largest_component(4, &edges), vec![true, true, true, false]);
    }
}
