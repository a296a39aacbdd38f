fn main() {
    yew::Renderer::<kpi_frontend::App>::new().render();
}
