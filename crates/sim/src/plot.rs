//! The accuracy-against-rounds plot, as SVG (text is SVG text: no fonts needed to draw it).

use crate::report::RoundRecord;
use plotters::prelude::*;
use std::path::Path;

/// Draws test accuracy against rounds, with the target as a dashed line when given.
pub fn write_accuracy_svg(
	path: &Path,
	title: &str,
	records: &[RoundRecord],
	target: Option<f64>,
) -> anyhow::Result<()> {
	let draw_error = |e: &dyn std::fmt::Display| anyhow::anyhow!("plot {}: {e}", path.display());
	let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
	root.fill(&WHITE).map_err(|e| draw_error(&e))?;
	let last_round = records.last().map_or(1, |r| r.round.max(1));
	let lowest = records.iter().map(|r| r.accuracy).fold(1.0f64, f64::min);
	let y_min = (lowest.min(target.unwrap_or(1.0)) - 0.02).clamp(0.0, 0.98);
	let mut chart = ChartBuilder::on(&root)
		.caption(title, ("sans-serif", 20))
		.margin(15)
		.x_label_area_size(40)
		.y_label_area_size(60)
		.build_cartesian_2d(0usize..last_round, y_min..1.0f64)
		.map_err(|e| draw_error(&e))?;
	chart
		.configure_mesh()
		.x_desc("round")
		.y_desc("test accuracy")
		.draw()
		.map_err(|e| draw_error(&e))?;
	chart
		.draw_series(LineSeries::new(
			records.iter().map(|r| (r.round, r.accuracy)),
			&BLUE,
		))
		.map_err(|e| draw_error(&e))?
		.label("accuracy")
		.legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
	if let Some(target) = target {
		let dashes = (0..last_round)
			.step_by(2)
			.map(|x| PathElement::new(vec![(x, target), ((x + 1).min(last_round), target)], RED));
		chart.draw_series(dashes).map_err(|e| draw_error(&e))?;
	}
	chart
		.configure_series_labels()
		.background_style(WHITE.mix(0.8))
		.border_style(BLACK)
		.draw()
		.map_err(|e| draw_error(&e))?;
	root.present().map_err(|e| draw_error(&e))?;
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn writes_an_svg_with_the_title() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("p.svg");
		let records: Vec<RoundRecord> = (1..=5)
			.map(|round| RoundRecord {
				round,
				accuracy: 0.5 + 0.1 * round as f64 / 2.0,
				loss: 1.0,
				examples: 10,
				seconds: 0.1,
				train_loss: 1.0,
				clients: 2,
			})
			.collect();
		write_accuracy_svg(&path, "MNIST 2NN", &records, Some(0.7)).unwrap();
		let svg = std::fs::read_to_string(&path).unwrap();
		assert!(svg.starts_with("<svg") && svg.contains("MNIST 2NN") && svg.contains("<polyline"));
	}
}
