//! courier-storage integration tests: one binary, a module per area.

#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failure to build one is a test failure"
)]

mod conformance;
mod faults;
mod memory;
mod memory_leases_model;
mod memory_location_batches;
mod memory_orders;
mod memory_orders_model;
mod postgres;
mod redis;

/// Drives a future that never waits on I/O (the memory adapter's) to completion.
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}
