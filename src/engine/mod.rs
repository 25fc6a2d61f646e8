//! The discrete-event engine: event queue, random streams and samplers.
//!
//! Knows nothing of Kubernetes: the model (`crate::model`) gives events their
//! meaning.

pub mod queue;
pub mod rng;
pub mod sampler;

pub use queue::{EventQueue, Packed};
pub use rng::{Rng, StreamId, replication_key, stream, stream_of, uniform_below};
pub use sampler::Sampler;
