//! The pub/sub hub: one per [`Store`](crate::Store), shared by in-process
//! subscribers and network clients. (To be filled in by the pub/sub work.)

/// Channel and pattern subscriptions of every subscriber of one store.
#[derive(Debug, Default)]
pub(crate) struct Hub {}
