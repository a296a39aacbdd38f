use yew::prelude::*;

use super::Loading;

#[derive(Properties, PartialEq)]
pub struct TileSkeletonsProps {
    /// How many placeholder tiles to show.
    #[prop_or(8)]
    pub count: usize,
}

/// Grey placeholder tiles while a board loads, so the page keeps its shape.
#[component]
pub fn TileSkeletons(props: &TileSkeletonsProps) -> Html {
    html! {
        <div class="tiles-loading">
            <Loading />
            <div class="tiles" aria-hidden="true">
                { for (0..props.count).map(|_| html! {
                    <div class="tile-skeleton">
                        <div class="skeleton-line skeleton-title"></div>
                        <div class="skeleton-line skeleton-value"></div>
                        <div class="skeleton-line"></div>
                        <div class="skeleton-line skeleton-short"></div>
                    </div>
                }) }
            </div>
        </div>
    }
}
