//! Routed screens.

mod board;
mod not_found;

pub use board::BoardPage;
pub use not_found::NotFound;
