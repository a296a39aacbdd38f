//! Routed screens.

mod admin;
mod board;
mod login;
mod not_found;

pub use admin::AdminPage;
pub use board::BoardPage;
pub use login::LoginPage;
pub use not_found::NotFound;
