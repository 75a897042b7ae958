//! Means over instance classes (the paper's grouping: shifts, travel speed,
//! preparation time, size), beside the published reference.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Policy, Report};

/// The published reference: Reyes et al. 2018's default rolling-horizon
/// policy over all 240 public instances (Tables 11-17).
pub const REYES_2018: ClassMeans = ClassMeans {
    class: String::new(),
    policy: String::new(),
    instances: 240,
    click_to_door_mean: 32.74,
    click_to_door_p90: 49.3,
    ready_to_pickup_mean: 1.93,
    pay_per_order: 11.42,
    undelivered_share: 0.0025,
    avoidable_share: f64::NAN,
    orders_per_bundle: 1.09,
};

/// One policy's means over one class of instances.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMeans {
    /// `all`, or a class tag (`s1`, `t75`, `p125`, `o50`, ...).
    pub class: String,
    /// The policy.
    pub policy: String,
    /// Instances in the class.
    pub instances: usize,
    /// Mean over instances of the mean click-to-door, minutes.
    pub click_to_door_mean: f64,
    /// Mean over instances of the 90th percentile click-to-door, minutes.
    pub click_to_door_p90: f64,
    /// Mean over instances of the mean ready-to-pickup, minutes.
    pub ready_to_pickup_mean: f64,
    /// Courier pay per delivered order over the class, dollars.
    pub pay_per_order: f64,
    /// Undelivered orders over all orders of the class.
    pub undelivered_share: f64,
    /// Undelivered orders an idle courier could have collected, over all
    /// orders of the class.
    pub avoidable_share: f64,
    /// Orders delivered per bundle picked up.
    pub orders_per_bundle: f64,
}

/// The class tags of an instance named `<seed><size>t<travel>s<shifts>p<prep>`
/// (`3r50t75s2p125`: `r50`, `t75`, `s2`, `p125`); none for another name.
pub fn classes_of(name: &str) -> Vec<String> {
    let rest = name.trim_start_matches(|c: char| c.is_ascii_digit());
    let (Some(t), Some(s), Some(p)) = (rest.find('t'), rest.find('s'), rest.find('p')) else {
        return Vec::new();
    };
    if !(t < s && s < p) {
        return Vec::new();
    }
    [&rest[..t], &rest[t..s], &rest[s..p], &rest[p..]]
        .iter()
        .map(|tag| (*tag).to_owned())
        .collect()
}

/// Each policy's means over all instances and over each class, in class
/// order.
pub fn class_means(reports: &[Report]) -> Vec<ClassMeans> {
    let mut groups: BTreeMap<(String, Policy), Vec<&Report>> = BTreeMap::new();
    for r in reports {
        groups.entry(("all".to_owned(), r.policy)).or_default().push(r);
        for class in classes_of(&r.instance) {
            groups.entry((class, r.policy)).or_default().push(r);
        }
    }
    groups
        .into_iter()
        .map(|((class, policy), rs)| means(class, policy, &rs))
        .collect()
}

fn means(class: String, policy: Policy, rs: &[&Report]) -> ClassMeans {
    let n = rs.len().max(1) as f64;
    let mean = |f: &dyn Fn(&Report) -> f64| rs.iter().map(|r| f(r)).sum::<f64>() / n;
    let sum = |f: &dyn Fn(&Report) -> usize| rs.iter().map(|r| f(r)).sum::<usize>() as f64;
    let orders = sum(&|r| r.metrics.orders).max(1.0);
    let delivered = sum(&|r| r.metrics.orders_delivered);
    ClassMeans {
        class,
        policy: policy.name().to_owned(),
        instances: rs.len(),
        click_to_door_mean: mean(&|r| r.metrics.click_to_door_min.mean),
        click_to_door_p90: mean(&|r| r.metrics.click_to_door_min.p90),
        ready_to_pickup_mean: mean(&|r| r.metrics.ready_to_pickup_min.mean),
        pay_per_order: rs.iter().map(|r| r.metrics.courier_pay_cents).sum::<i64>() as f64 / 100.0 / delivered.max(1.0),
        undelivered_share: (orders - delivered) / orders,
        avoidable_share: sum(&|r| r.metrics.orders_avoidably_undelivered) / orders,
        orders_per_bundle: delivered / sum(&|r| r.metrics.bundles).max(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::classes_of;

    #[test]
    fn an_instance_name_gives_its_four_classes() {
        assert_eq!(classes_of("3r50t75s2p125"), ["r50", "t75", "s2", "p125"]);
        assert_eq!(classes_of("0o100t100s1p100"), ["o100", "t100", "s1", "p100"]);
        assert!(classes_of("tiny").is_empty());
    }
}
