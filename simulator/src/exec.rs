//! How the event loop runs the platform's async calls.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// The run's async runtime, with a shortcut for calls that never wait.
///
/// Over the memory store every platform call finishes on its first poll:
/// nothing in it waits for a socket or a timer. Entering tokio's scheduler
/// for each of a full day's millions of calls (`Runtime::block_on`: its
/// guards, its scheduler core, a seed, a clock read) took about 1.5% of a
/// run's samples, for nothing, so a call is first polled once
/// in place, inside the runtime's context (where a networked store's
/// connections and timers can register), and only a call that has to wait
/// goes on to `block_on`, which polls it again and drives it to the end.
/// Either way the call runs the same code to the same result.
pub(crate) struct Exec {
    runtime: tokio::runtime::Runtime,
}

impl Exec {
    /// Runs calls on `runtime`.
    pub(crate) fn new(runtime: tokio::runtime::Runtime) -> Exec {
        Exec { runtime }
    }

    /// Runs `future` to completion.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        let mut future = pin!(future);
        {
            let _context = self.runtime.enter();
            // A waker that does nothing is enough: a call that is not ready
            // is polled again below with tokio's, which it then registers.
            if let Poll::Ready(output) = future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                return output;
            }
        }
        self.runtime.block_on(future)
    }
}

#[cfg(test)]
mod tests {
    use super::Exec;

    fn exec() -> Exec {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime");
        Exec::new(runtime)
    }

    #[test]
    fn a_ready_call_answers_on_the_spot() {
        assert_eq!(exec().block_on(async { 6 * 7 }), 42);
    }

    #[test]
    fn a_call_that_waits_on_a_timer_is_driven_to_the_end() {
        // The timer can only be created inside the runtime's context and
        // only fires if tokio drives it: both paths are needed here.
        let exec = exec();
        let waited = exec.block_on(async {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            tokio::task::yield_now().await;
            "done"
        });
        assert_eq!(waited, "done");
    }
}
