//! The statistics behind fair judgements: whether a unit really differs from its parent (the
//! league tables' intervals and funnels, [`league`]), and whether a change worked (management
//! experiments: a KPI's values by unit and period, some units changed at their own start dates,
//! the others for comparison).
//!
//! - The effect is estimated by imputation (Borusyak, Jaravel and Spiess): what each treated
//!   unit would have shown without the change is predicted from a unit-and-period fit on the
//!   untreated observations only, so staggered roll-outs and effects that grow over time are not
//!   mixed up the way the naive two-way fixed-effects regression mixes them (also reported).
//! - Its interval comes from randomisation inference over the assignments of the same start
//!   dates to the same units (all of them when they are few), valid with a handful of units,
//!   where unit-clustered standard errors are too narrow (that interval is reported beside it).
//! - The event study gives the effect by period relative to the start; its pre-start part is a
//!   placebo, tested against its randomisation distribution for diverging trends.
//!
//! # Layout
//! - [`panel`]: the data and the two-way fit every estimate stands on.
//! - [`estimate`]: the imputation estimate, its weights, the clustered error, the naive estimate.
//! - [`inference`]: assignments and the randomisation test and interval.
//! - [`analysis`]: one KPI's whole analysis for one experiment.
//! - [`league`]: fair comparisons of units: intervals of shares, rates and medians, funnels.

pub mod analysis;
pub mod estimate;
pub mod inference;
pub mod league;
pub mod panel;

pub use analysis::{
    analyse, analyse_with_progress, t_quantile, Analysis, EventPoint, Interval, Method, Options,
    PreTrend, Refusal,
};
pub use panel::{Obs, Panel};

#[cfg(test)]
mod simulations;
