//! Statistics: mergeable accumulators, confidence intervals, quantiles.
//!
//! Every accumulator here merges deterministically: merging the same parts
//! in the same order gives the same bits, which is what makes results
//! independent of the number of threads.

mod meanvar;
mod sketch;

pub use meanvar::{Interval, MeanVar};
pub use sketch::{DurationSketch, RELATIVE_ACCURACY};
