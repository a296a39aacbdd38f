//! Reusable parts of the screens, one component per file.

mod app_footer;
mod board_nav;
mod breadcrumb;
mod children_table;
mod error_box;
mod grain_picker;
mod health_provider;
mod kpi_detail;
mod loading;
mod period_picker;
mod query_link;
mod series_chart;
mod sparkline;
mod status_marker;
mod tile;
mod tile_grid;
mod tile_skeletons;
mod unit_picker;

pub use app_footer::AppFooter;
pub use board_nav::BoardNav;
pub use breadcrumb::Breadcrumb;
pub use children_table::ChildrenTable;
pub use error_box::ErrorBox;
pub use grain_picker::GrainPicker;
pub use health_provider::{HealthProvider, ServerVersion};
pub use kpi_detail::KpiDetail;
pub use loading::Loading;
pub use period_picker::PeriodPicker;
pub use query_link::QueryLink;
pub use series_chart::SeriesChart;
pub use sparkline::Sparkline;
pub use status_marker::StatusMarker;
pub use tile::TileCard;
pub use tile_grid::TileGrid;
pub use tile_skeletons::TileSkeletons;
pub use unit_picker::UnitPicker;
