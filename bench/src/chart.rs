//! The soak's chart: requests/s over time above, a storage figure below, one line per server,
//! as hand-written SVG (no dependency).

use std::fmt::Write as _;

/// A round step for an axis that must show `span` in about `ticks` steps.
fn nice_step(span: f64, ticks: f64) -> f64 {
    let raw = (span / ticks).max(1e-9);
    let power = 10f64.powf(raw.log10().floor());
    let fraction = raw / power;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

fn tick_label(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

const COLORS: [&str; 2] = ["#1f77b4", "#d62728"];
const LEFT: f64 = 80.0;
const RIGHT: f64 = 860.0;
const WIDTH: f64 = 900.0;

/// One panel: `series` (one per server) against `minutes`, in the box from `top`, `height` high.
fn panel(
    svg: &mut String,
    top: f64,
    height: f64,
    label: &str,
    minutes: &[f64],
    series: [&[f64]; 2],
) {
    let bottom = top + height;
    let t_max = minutes.last().copied().unwrap_or(1.0).max(1e-9);
    let v_max = series
        .iter()
        .flat_map(|s| s.iter().copied())
        .fold(1.0, f64::max);
    let v_step = nice_step(v_max, 5.0);
    let v_steps = (v_max / v_step).ceil() as usize;
    let v_top = v_steps as f64 * v_step;
    let t_step = nice_step(t_max, 8.0);
    let t_steps = (t_max / t_step + 1e-6).floor() as usize;
    let x = |t: f64| LEFT + t / t_max * (RIGHT - LEFT);
    let y = |v: f64| bottom - v / v_top * height;
    for step in 0..=v_steps {
        let v = step as f64 * v_step;
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{RIGHT}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT - 6.0,
            y(v) + 4.0,
            tick_label(v),
            y = y(v),
        );
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{top}" width="{}" height="{height}" fill="none" stroke="#444"/>"##,
        RIGHT - LEFT
    );
    for step in 0..=t_steps {
        let t = step as f64 * t_step;
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{bottom}" x2="{x:.1}" y2="{:.1}" stroke="#444"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            bottom + 5.0,
            bottom + 18.0,
            tick_label(t),
            x = x(t),
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">minutes</text>"#,
        (LEFT + RIGHT) / 2.0,
        bottom + 34.0
    );
    let middle = top + height / 2.0;
    let _ = writeln!(
        svg,
        r#"<text x="20" y="{middle:.1}" text-anchor="middle" transform="rotate(-90 20 {middle:.1})">{label}</text>"#
    );
    for (values, color) in series.iter().zip(COLORS) {
        let points: Vec<String> = minutes
            .iter()
            .zip(values.iter())
            .map(|(&t, &v)| format!("{:.1},{:.1}", x(t), y(v)))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
            points.join(" ")
        );
        for point in &points {
            let (px, py) = point.split_once(',').unwrap_or_default();
            let _ = writeln!(svg, r#"<circle cx="{px}" cy="{py}" r="3" fill="{color}"/>"#);
        }
    }
}

/// The whole chart: `rps` and `storage` per server (named `names`) against `minutes`.
pub fn draw(
    title: &str,
    names: [&str; 2],
    minutes: &[f64],
    rps: [&[f64]; 2],
    storage_label: &str,
    storage: [&[f64]; 2],
) -> String {
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="660" viewBox="0 0 {WIDTH} 660" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="26" font-size="15" font-weight="bold">{title}</text>"#
    );
    for (index, (name, color)) in names.iter().zip(COLORS).enumerate() {
        let x = RIGHT - 200.0 + index as f64 * 100.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{x}" y1="42" x2="{}" y2="42" stroke="{color}" stroke-width="3"/><text x="{}" y="46">{name}</text>"#,
            x + 24.0,
            x + 30.0,
        );
    }
    panel(&mut svg, 60.0, 230.0, "requests/s", minutes, rps);
    panel(&mut svg, 370.0, 230.0, storage_label, minutes, storage);
    svg.push_str("</svg>\n");
    svg
}
