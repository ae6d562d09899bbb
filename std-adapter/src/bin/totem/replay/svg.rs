//! The replay's timeline as SVG: the breaker's state, the logged failure
//! rate and the rejections over time, one line per configuration.

use plotters::prelude::*;
use totem_core::State;

use super::log::{Answer, Call};
use super::report::{duration, Replayed};

/// Points per line of the failure rate and the rejections.
const BUCKETS: u64 = 200;

/// One colour per configuration.
const COLOURS: [RGBColor; 2] = [RGBColor(31, 119, 180), RGBColor(214, 39, 40)];

/// The height of a state on the state chart.
fn level(state: State) -> f64 {
    match state {
        State::Closed | State::Disabled => 0.0,
        State::HalfOpen => 1.0,
        State::Open | State::ForcedOpen => 2.0,
    }
}

/// Draws the timeline and returns the SVG document, or plotters' error.
pub fn draw(calls: &[Call], runs: &[Replayed]) -> Result<String, String> {
    let mut svg = String::new();
    draw_into(&mut svg, calls, runs).map_err(|e| e.to_string())?;
    Ok(svg)
}

fn draw_into(
    svg: &mut String,
    calls: &[Call],
    runs: &[Replayed],
) -> Result<(), Box<dyn std::error::Error>> {
    let end_ms = runs.iter().map(|r| r.run.end_ms).max().unwrap_or(0).max(1);
    // Minutes once the log is long enough for seconds to crowd the axis.
    let (unit_ms, unit) = if end_ms >= 10 * 60_000 {
        (60_000.0, "minutes")
    } else {
        (1_000.0, "seconds")
    };
    let x = |ms: u64| ms as f64 / unit_ms;
    let x_range = 0.0..x(end_ms);
    let bucket_ms = match end_ms.div_ceil(BUCKETS).max(1) {
        // Whole seconds read better in the caption.
        b if b > 1_000 => b.div_ceil(1_000) * 1_000,
        b => b,
    };
    let buckets = end_ms.div_ceil(bucket_ms) as usize;
    let mid = |b: usize| x(b as u64 * bucket_ms + bucket_ms / 2);

    let root = SVGBackend::with_string(svg, (1000, 720)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled("totem replay", ("sans-serif", 22))?;
    let panels = root.split_evenly((3, 1));

    let mut state = ChartBuilder::on(&panels[0])
        .caption("breaker state", ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(80)
        .build_cartesian_2d(x_range.clone(), -0.25f64..2.25)?;
    state
        .configure_mesh()
        .y_labels(3)
        .y_label_formatter(&|v| match v.round() as i64 {
            0 => "closed".into(),
            1 => "half-open".into(),
            _ => "open".into(),
        })
        .x_desc(unit)
        .draw()?;
    for (i, r) in runs.iter().enumerate().filter(|(_, r)| r.breaker.is_some()) {
        let colour = COLOURS[i % COLOURS.len()];
        // Side by side lines would hide each other: the second is lifted.
        let lift = i as f64 * 0.06;
        let mut points = Vec::new();
        for span in &r.analysis.spans {
            points.push((x(span.from), level(span.state) + lift));
            points.push((x(span.to), level(span.state) + lift));
        }
        state
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(format!("state: {}", r.config))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
    }
    state
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;

    let mut counts = vec![(0u64, 0u64); buckets];
    for c in calls {
        let b = ((c.at_ms / bucket_ms) as usize).min(buckets - 1);
        counts[b].0 += 1;
        counts[b].1 += u64::from(c.answer == Answer::Failure);
    }
    let mut rate = ChartBuilder::on(&panels[1])
        .caption("failure rate (logged)", ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(80)
        .build_cartesian_2d(x_range.clone(), 0f64..1.0)?;
    rate.configure_mesh()
        .y_labels(5)
        .y_label_formatter(&|v| format!("{:.0} %", v * 100.0))
        .x_desc(unit)
        .draw()?;
    rate.draw_series(LineSeries::new(
        counts
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| *n > 0)
            .map(|(b, &(n, failed))| (mid(b), failed as f64 / n as f64)),
        BLACK.stroke_width(1),
    ))?
    .label("failure rate")
    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    rate.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;

    let rejected: Vec<Vec<u64>> = runs
        .iter()
        .map(|r| {
            let mut per = vec![0u64; buckets];
            for at in &r.run.rejections {
                per[((at / bucket_ms) as usize).min(buckets - 1)] += 1;
            }
            per
        })
        .collect();
    let most = rejected.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut rejections = ChartBuilder::on(&panels[2])
        .caption(
            format!("rejections per {}", duration(bucket_ms)),
            ("sans-serif", 16),
        )
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(80)
        .build_cartesian_2d(x_range, 0f64..(most as f64 * 1.1))?;
    rejections
        .configure_mesh()
        .y_labels(5)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_desc(unit)
        .draw()?;
    for (i, (r, per)) in runs.iter().zip(&rejected).enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        rejections
            .draw_series(LineSeries::new(
                per.iter().enumerate().map(|(b, n)| (mid(b), *n as f64)),
                colour.stroke_width(1),
            ))?
            .label(format!("rejections: {}", r.config))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
    }
    rejections
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
