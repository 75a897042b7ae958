//! courier-server: the HTTP server over courier-platform (being built out).

fn main() {
    eprintln!("courier-server: the HTTP API is not built yet; see the project issues");
    std::process::exit(2);
}
