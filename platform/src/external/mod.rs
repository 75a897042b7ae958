//! The parties outside the platform, behind traits: the clock, the payment
//! gateway and the notifier. Each comes with a deterministic fake that the
//! tests and the simulator use; production plugs in real clients.

mod clock;
mod notify;
mod payments;

pub use clock::{Clock, ManualClock};
pub use notify::{Channel, Notification, NotificationKind, Notifier, NotifyError, Recipient, RecordingNotifier};
pub use payments::{FakeGateway, GatewayAccount, GatewayCall, PaymentError, PaymentGateway};
