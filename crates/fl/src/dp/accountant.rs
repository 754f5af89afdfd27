//! Rényi-DP accountant for the sampled Gaussian mechanism.
//!
//! One federated round that samples each client with probability `q`, clips every update to
//! norm `C` and adds `N(0, (z C)^2)` noise to the sum is one application of the sampled
//! Gaussian mechanism with noise multiplier `z`. Its Rényi divergence of order `alpha` is
//! computed as in Mironov, Talwar and Zhang 2019 ("Rényi Differential Privacy of the Sampled
//! Gaussian Mechanism"), the method of TensorFlow Privacy's and Opacus's `compute_rdp`: a finite
//! binomial sum for integer orders and the two-sided series of their Section 3.3 for fractional
//! ones. RDP composes additively over rounds and is converted to `(epsilon, delta)` by the
//! improved conversion of Balle et al. 2020 (Proposition 12 of "Hypothesis testing
//! interpretations and Rényi differential privacy"), as Opacus and `dp_accounting` do, or by the
//! classic one of Mironov 2017 (Proposition 3), taking the best order.
//!
//! Accounting is reporting, not consensus: it uses `libm` like the rest of the crate but its
//! outputs are not hashed on chain.

/// Errors of privacy accounting; each names the offending argument and value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrivacyError {
	/// The sampling rate is outside `[0, 1]`.
	#[error("sampling rate {0} is outside [0, 1]")]
	SamplingRate(f64),
	/// The noise multiplier is negative or not a number.
	#[error("noise multiplier {0} must be >= 0")]
	NoiseMultiplier(f64),
	/// An order is below 1 or not a number.
	#[error("Rényi order {0} must be >= 1")]
	Order(f64),
	/// Delta is outside `(0, 1)`.
	#[error("delta {0} must be in (0, 1)")]
	Delta(f64),
	/// Epsilon is not positive.
	#[error("epsilon {0} must be > 0")]
	Epsilon(f64),
	/// Orders and RDP values differ in length or are empty.
	#[error("{orders} orders but {values} RDP values")]
	Lengths {
		/// Number of orders.
		orders: usize,
		/// Number of values.
		values: usize,
	},
}

/// The orders Opacus and TF Privacy use by default: 1.1 to 10.9 in steps of 0.1, then 12 to 63.
pub fn default_orders() -> Vec<f64> {
	let fractional = (1..100).map(|x| 1.0 + f64::from(x) / 10.0);
	let integer = (12..64).map(f64::from);
	fractional.chain(integer).collect()
}

/// `ln(e^a + e^b)` without overflow.
fn log_add(a: f64, b: f64) -> f64 {
	let (lo, hi) = if a < b { (a, b) } else { (b, a) };
	if lo == f64::NEG_INFINITY {
		return hi;
	}
	libm::log1p(libm::exp(lo - hi)) + hi
}

/// A signed number held as `sign * exp(log_magnitude)`, for sums with cancelling terms.
#[derive(Clone, Copy, Debug)]
struct SignedLog {
	positive: bool,
	log_magnitude: f64,
}

impl SignedLog {
	const ZERO: SignedLog = SignedLog {
		positive: true,
		log_magnitude: f64::NEG_INFINITY,
	};

	fn add(self, positive: bool, log_magnitude: f64) -> SignedLog {
		if self.positive == positive {
			return SignedLog {
				positive,
				log_magnitude: log_add(self.log_magnitude, log_magnitude),
			};
		}
		let (big, big_positive, small) = if self.log_magnitude >= log_magnitude {
			(self.log_magnitude, self.positive, log_magnitude)
		} else {
			(log_magnitude, positive, self.log_magnitude)
		};
		if big == small {
			return SignedLog::ZERO;
		}
		SignedLog {
			positive: big_positive,
			log_magnitude: big + libm::log1p(-libm::exp(small - big)),
		}
	}
}

/// `ln |binom(n, k)|` and its sign, via log-gamma (valid for real `n` > -1 and integer `k`).
fn log_binomial(n: f64, k: f64) -> (f64, bool) {
	let (top, _) = libm::lgamma_r(n + 1.0);
	let (bottom, _) = libm::lgamma_r(k + 1.0);
	let (rest, rest_sign) = libm::lgamma_r(n - k + 1.0);
	(top - bottom - rest, rest_sign > 0)
}

/// `ln(erfc(x))`, accurate far into the tail where `erfc` underflows.
fn log_erfc(x: f64) -> f64 {
	let r = libm::erfc(x);
	if r > 0.0 {
		return libm::log(r);
	}
	// Asymptotic (Laurent) series of ln(erfc(x)) + ln(x) + ln(pi)/2 + x^2 at infinity.
	let x2 = x * x;
	-0.5 * libm::log(std::f64::consts::PI) - libm::log(x) - x2 - 0.5 / x2 + 0.625 / (x2 * x2)
		- 37.0 / 24.0 / (x2 * x2 * x2)
		+ 353.0 / 64.0 / (x2 * x2 * x2 * x2)
}

/// `ln A_alpha` for integer `alpha`: a finite binomial sum of positive terms.
fn log_a_integer(q: f64, sigma: f64, alpha: u64) -> f64 {
	let log_q = libm::log(q);
	let log_1mq = libm::log1p(-q);
	let a = alpha as f64;
	let mut log_a = f64::NEG_INFINITY;
	for i in 0..=alpha {
		let i = i as f64;
		let (log_coef, _) = log_binomial(a, i);
		let term = log_coef + i * log_q + (a - i) * log_1mq + (i * i - i) / (2.0 * sigma * sigma);
		log_a = log_add(log_a, term);
	}
	log_a
}

/// Iterations after which the fractional series is declared divergent (the order is then
/// excluded by returning infinity), as in `dp_accounting`.
const MAX_SERIES_TERMS: u32 = 1000;

/// `ln A_alpha` for fractional `alpha`: two alternating series split at `z0` (Mironov et al.
/// 2019, Section 3.3), summed with signs.
fn log_a_fractional(q: f64, sigma: f64, alpha: f64) -> f64 {
	let log_q = libm::log(q);
	let log_1mq = libm::log1p(-q);
	let sigma2 = sigma * sigma;
	let z0 = sigma2 * libm::log(1.0 / q - 1.0) + 0.5;
	let scale = std::f64::consts::SQRT_2 * sigma;
	let log_half = libm::log(0.5);
	let (mut a0, mut a1) = (SignedLog::ZERO, SignedLog::ZERO);
	let (mut last0, mut last1) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
	for i in 0..MAX_SERIES_TERMS {
		let i = f64::from(i);
		let j = alpha - i;
		let (log_coef, positive) = log_binomial(alpha, i);
		let log_t0 = log_coef + i * log_q + j * log_1mq;
		let log_t1 = log_coef + j * log_q + i * log_1mq;
		let log_e0 = log_half + log_erfc((i - z0) / scale);
		let log_e1 = log_half + log_erfc((z0 - j) / scale);
		let log_s0 = log_t0 + (i * i - i) / (2.0 * sigma2) + log_e0;
		let log_s1 = log_t1 + (j * j - j) / (2.0 * sigma2) + log_e1;
		a0 = a0.add(positive, log_s0);
		a1 = a1.add(positive, log_s1);
		let total = a0.add(a1.positive, a1.log_magnitude);
		if log_s0 < last0 && log_s1 < last1 && log_s0.max(log_s1) < total.log_magnitude - 30.0 {
			return if total.positive {
				total.log_magnitude
			} else {
				f64::INFINITY
			};
		}
		last0 = log_s0;
		last1 = log_s1;
	}
	f64::INFINITY
}

fn check_mechanism(q: f64, noise_multiplier: f64) -> Result<(), PrivacyError> {
	if !(0.0..=1.0).contains(&q) {
		return Err(PrivacyError::SamplingRate(q));
	}
	if noise_multiplier.is_nan() || noise_multiplier < 0.0 {
		return Err(PrivacyError::NoiseMultiplier(noise_multiplier));
	}
	Ok(())
}

/// RDP of order `order` of one application of the sampled Gaussian mechanism.
pub fn rdp_of_order(q: f64, noise_multiplier: f64, order: f64) -> Result<f64, PrivacyError> {
	check_mechanism(q, noise_multiplier)?;
	if order.is_nan() || order < 1.0 {
		return Err(PrivacyError::Order(order));
	}
	if q == 0.0 {
		return Ok(0.0);
	}
	if order.is_infinite() || noise_multiplier == 0.0 {
		return Ok(f64::INFINITY);
	}
	if q == 1.0 {
		return Ok(order / (2.0 * noise_multiplier * noise_multiplier));
	}
	let log_a = if order.fract() == 0.0 && order < u64::MAX as f64 {
		log_a_integer(q, noise_multiplier, order as u64)
	} else {
		log_a_fractional(q, noise_multiplier, order)
	};
	Ok(log_a / (order - 1.0))
}

/// RDP at each order of `steps` compositions of the sampled Gaussian mechanism.
pub fn compute_rdp(
	q: f64,
	noise_multiplier: f64,
	steps: u64,
	orders: &[f64],
) -> Result<Vec<f64>, PrivacyError> {
	orders
		.iter()
		.map(|&order| Ok(rdp_of_order(q, noise_multiplier, order)? * steps as f64))
		.collect()
}

/// How RDP is converted to `(epsilon, delta)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Conversion {
	/// Mironov 2017, Proposition 3: `epsilon = rdp - ln(delta) / (alpha - 1)`.
	Classic,
	/// Balle et al. 2020, Proposition 12 (used by Opacus and `dp_accounting`):
	/// `epsilon = rdp + ln(1 - 1/alpha) - ln(delta * alpha) / (alpha - 1)`.
	#[default]
	Improved,
}

/// A privacy guarantee: `(epsilon, delta)`-DP, reached at RDP order `order`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrivacySpent {
	/// Epsilon.
	pub epsilon: f64,
	/// Delta.
	pub delta: f64,
	/// The order giving the smallest epsilon.
	pub order: f64,
}

/// Epsilon at one order; infinite where the conversion does not apply (order 1).
fn epsilon_at(order: f64, rdp: f64, delta: f64, conversion: Conversion) -> f64 {
	match conversion {
		Conversion::Classic if order <= 1.0 => f64::INFINITY,
		Conversion::Classic => rdp - libm::log(delta) / (order - 1.0),
		Conversion::Improved => {
			if rdp <= 0.0 || delta * delta + libm::expm1(-rdp) > 0.0 {
				// Bound through the KL divergence: delta >= sqrt(1 - exp(-rdp)) gives epsilon 0.
				0.0
			} else if order > 1.01 {
				// The formula is numerically unstable as the order approaches 1.
				rdp + libm::log1p(-1.0 / order) - libm::log(delta * order) / (order - 1.0)
			} else {
				f64::INFINITY
			}
		}
	}
}

/// The smallest epsilon over `orders` for the given RDP values and `delta`.
pub fn epsilon_from_rdp(
	orders: &[f64],
	rdp: &[f64],
	delta: f64,
	conversion: Conversion,
) -> Result<PrivacySpent, PrivacyError> {
	if !(delta > 0.0 && delta < 1.0) {
		return Err(PrivacyError::Delta(delta));
	}
	if orders.len() != rdp.len() || orders.is_empty() {
		return Err(PrivacyError::Lengths {
			orders: orders.len(),
			values: rdp.len(),
		});
	}
	let mut best = PrivacySpent {
		epsilon: f64::INFINITY,
		delta,
		order: orders[0],
	};
	for (&order, &value) in orders.iter().zip(rdp) {
		if order.is_nan() || order < 1.0 {
			return Err(PrivacyError::Order(order));
		}
		let epsilon = epsilon_at(order, value, delta, conversion);
		if epsilon < best.epsilon {
			best = PrivacySpent {
				epsilon,
				delta,
				order,
			};
		}
	}
	best.epsilon = best.epsilon.max(0.0);
	Ok(best)
}

/// Privacy of one round and of all rounds so far.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoundPrivacy {
	/// Round number, from 1.
	pub round: u64,
	/// Epsilon of this round alone.
	pub round_epsilon: f64,
	/// Epsilon of all rounds so far, composed in RDP.
	pub total_epsilon: f64,
	/// The delta both epsilons are for.
	pub delta: f64,
}

/// Tracks the privacy spent over federated rounds at a fixed target delta.
#[derive(Clone, Debug)]
pub struct RdpAccountant {
	orders: Vec<f64>,
	total: Vec<f64>,
	delta: f64,
	conversion: Conversion,
	rounds: u64,
}

impl RdpAccountant {
	/// An accountant over [`default_orders`] with the improved conversion.
	pub fn new(delta: f64) -> Result<Self, PrivacyError> {
		Self::with_orders(delta, default_orders(), Conversion::Improved)
	}

	/// An accountant over the given orders and conversion.
	pub fn with_orders(
		delta: f64,
		orders: Vec<f64>,
		conversion: Conversion,
	) -> Result<Self, PrivacyError> {
		if !(delta > 0.0 && delta < 1.0) {
			return Err(PrivacyError::Delta(delta));
		}
		if orders.is_empty() {
			return Err(PrivacyError::Lengths {
				orders: 0,
				values: 0,
			});
		}
		if let Some(&bad) = orders.iter().find(|o| o.is_nan() || **o < 1.0) {
			return Err(PrivacyError::Order(bad));
		}
		let total = vec![0.0; orders.len()];
		Ok(RdpAccountant {
			orders,
			total,
			delta,
			conversion,
			rounds: 0,
		})
	}

	/// Records one round with client sampling rate `q` and noise multiplier `z` and reports its
	/// privacy cost and the running total.
	pub fn record_round(
		&mut self,
		q: f64,
		noise_multiplier: f64,
	) -> Result<RoundPrivacy, PrivacyError> {
		let round = compute_rdp(q, noise_multiplier, 1, &self.orders)?;
		for (total, r) in self.total.iter_mut().zip(&round) {
			*total += r;
		}
		self.rounds += 1;
		let round_epsilon =
			epsilon_from_rdp(&self.orders, &round, self.delta, self.conversion)?.epsilon;
		Ok(RoundPrivacy {
			round: self.rounds,
			round_epsilon,
			total_epsilon: self.spent()?.epsilon,
			delta: self.delta,
		})
	}

	/// The privacy spent over all recorded rounds.
	pub fn spent(&self) -> Result<PrivacySpent, PrivacyError> {
		epsilon_from_rdp(&self.orders, &self.total, self.delta, self.conversion)
	}

	/// Number of rounds recorded.
	pub fn rounds(&self) -> u64 {
		self.rounds
	}
}

/// The noise multiplier of the classic Gaussian mechanism (Dwork and Roth 2014, Theorem A.1)
/// for `(epsilon, delta)`-DP of one release: `sqrt(2 ln(1.25 / delta)) / epsilon`. The theorem
/// needs `epsilon < 1`.
pub fn classic_gaussian_noise_multiplier(epsilon: f64, delta: f64) -> Result<f64, PrivacyError> {
	if !(epsilon > 0.0 && epsilon < 1.0) {
		return Err(PrivacyError::Epsilon(epsilon));
	}
	if !(delta > 0.0 && delta < 1.0) {
		return Err(PrivacyError::Delta(delta));
	}
	Ok((2.0 * libm::log(1.25 / delta)).sqrt() / epsilon)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn close(actual: f64, expected: f64, tolerance: f64) {
		assert!(
			(actual - expected).abs() <= tolerance,
			"{actual} differs from {expected} by more than {tolerance}"
		);
	}

	// TensorFlow Privacy, rdp_accountant_test.py: test_compute_rdp_no_data / _no_sampling.
	#[test]
	fn degenerate_sampling_rates() {
		assert_eq!(compute_rdp(0.0, 10.0, 1, &[20.0]).unwrap(), vec![0.0]);
		assert_eq!(compute_rdp(1.0, 10.0, 1, &[20.0]).unwrap(), vec![0.1]);
	}

	// TensorFlow Privacy, test_compute_rdp_scalar: 0.07737 to 5 decimal places.
	#[test]
	fn tf_privacy_scalar() {
		close(compute_rdp(0.1, 2.0, 10, &[5.0]).unwrap()[0], 0.07737, 5e-6);
	}

	// TensorFlow Privacy, test_compute_rdp_sequence: absolute tolerance 1e-5 as in the source.
	#[test]
	fn tf_privacy_sequence() {
		let rdp = compute_rdp(0.01, 2.5, 50, &[1.5, 2.5, 5.0, 50.0, 100.0, f64::INFINITY]).unwrap();
		let expected = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307];
		for (r, e) in rdp.iter().zip(expected) {
			close(*r, e, 1e-5);
		}
		assert_eq!(rdp[5], f64::INFINITY);
	}

	// ln A_alpha against high-precision values (mpmath quadrature of the defining integral, the
	// check TF Privacy's test_compute_log_a_equals_mp performs); relative tolerance 1e-4 as there.
	#[test]
	fn log_a_matches_multi_precision_integration() {
		for (q, sigma, order, expected) in MP_LOG_A {
			let log_a = rdp_of_order(q, sigma, order).unwrap() * (order - 1.0);
			assert!(
				(log_a - expected).abs() <= 1e-4 * expected.abs(),
				"q={q} sigma={sigma} order={order}: {log_a} vs {expected}"
			);
		}
	}

	/// (q, sigma, order, ln A): TF Privacy's parameter set, with ln A computed by mpmath
	/// quadrature at 50 digits (`mp.quad` of `npdf(x, 0, sigma) * ((1 - q) + q * exp((2x - 1) /
	/// (2 sigma^2)))^order` over the real line).
	const MP_LOG_A: [(f64, f64, f64, f64); 10] = [
		(1e-7, 0.1, 1.01, 4.003_412_322_526_4e-8),
		(1e-6, 0.1, 256.0, 3_260_463.229_297_16),
		(1e-5, 0.1, 256.1, 3_263_607.039_788_42),
		(1e-6, 1.0, 27.0, 8.769_511_304_848_5e-10),
		(1e-4, 1.0, 1.5, 6.442_686_953_836_65e-9),
		(1e-3, 1.0, 2.0, 1.718_280_352_214_52e-6),
		(0.01, 10.0, 20.0, 1.912_969_991_284_30e-4),
		(0.1, 100.0, 20.5, 1.999_181_845_806_83e-4),
		(0.99, 0.1, 256.0, 3_263_997.427_114_02),
		(0.999, 100.0, 256.1, 3.260_108_037_973_11),
	];

	// TF Privacy test_get_privacy_spent_check_target_delta: constant RDP 1.1 over orders 2..=32
	// gives epsilon 1.32783806176 at order 32 with the improved conversion.
	#[test]
	fn constant_rdp_conversion() {
		let orders: Vec<f64> = (2..33).map(f64::from).collect();
		let rdp = vec![1.1; orders.len()];
		let spent = epsilon_from_rdp(&orders, &rdp, 1e-5, Conversion::Improved).unwrap();
		assert_eq!(spent.order, 32.0);
		close(spent.epsilon, 1.32783806176, 1e-10);
	}

	// TF Privacy: the unsampled Gaussian with z = 4.530877117 is exactly (1, 1e-6)-DP; RDP over
	// a fine grid of orders recovers epsilon = 1 to 7 decimal places.
	#[test]
	fn gaussian_mechanism_epsilon_one() {
		let orders: Vec<f64> = (1000..100_000).map(|i| 0.001 * f64::from(i)).collect();
		let rdp = compute_rdp(1.0, 4.530877117, 1, &orders).unwrap();
		let spent = epsilon_from_rdp(&orders, &rdp, 1e-6, Conversion::Improved).unwrap();
		close(spent.epsilon, 1.0, 5e-8);
	}

	// TF Privacy compute_dp_sgd_privacy.py docstring: N = 60000, batch 256, z = 1.12, 60 epochs,
	// delta = 1e-5 "satisfies (2.92, 1e-5)-DP" (classic conversion, the one it used then; three
	// significant figures). The improved conversion must not be worse.
	#[test]
	fn tf_privacy_mnist_dp_sgd_figure() {
		let mut orders = vec![1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 4.5];
		orders.extend((5..64).map(f64::from));
		orders.extend([128.0, 256.0, 512.0]);
		let steps = (60.0f64 * 60_000.0 / 256.0).ceil() as u64;
		let rdp = compute_rdp(256.0 / 60_000.0, 1.12, steps, &orders).unwrap();
		let classic = epsilon_from_rdp(&orders, &rdp, 1e-5, Conversion::Classic).unwrap();
		close(classic.epsilon, 2.92, 0.005);
		let improved = epsilon_from_rdp(&orders, &rdp, 1e-5, Conversion::Improved).unwrap();
		assert!(improved.epsilon < classic.epsilon);
	}

	// TF Privacy test_check_composition: the composed guarantee is at most 8.509656.
	#[test]
	fn composition_bound() {
		let orders = [
			1.25, 1.5, 1.75, 2., 2.5, 3., 4., 5., 6., 7., 8., 10., 12., 14., 16., 20., 24., 28.,
			32., 64., 256.,
		];
		let mut rdp = compute_rdp(1e-4, 0.4, 40_000, &orders).unwrap();
		for (r, extra) in rdp
			.iter_mut()
			.zip(compute_rdp(0.1, 2.0, 100, &orders).unwrap())
		{
			*r += extra;
		}
		let spent = epsilon_from_rdp(&orders, &rdp, 1e-5, Conversion::Improved).unwrap();
		assert!(spent.epsilon <= 8.509656, "{}", spent.epsilon);
		let classic = epsilon_from_rdp(&orders, &rdp, 1e-5, Conversion::Classic).unwrap();
		close(classic.epsilon, 8.509656, 1e-5);
	}

	#[test]
	fn accountant_reports_rounds_and_totals() {
		let mut accountant = RdpAccountant::new(1e-5).unwrap();
		let first = accountant.record_round(0.1, 1.0).unwrap();
		let second = accountant.record_round(0.1, 1.0).unwrap();
		assert_eq!((first.round, second.round), (1, 2));
		assert_eq!(first.round_epsilon, second.round_epsilon);
		assert_eq!(first.total_epsilon, first.round_epsilon);
		// Composition costs more than one round but less than two separately.
		assert!(second.total_epsilon > first.total_epsilon);
		assert!(second.total_epsilon < 2.0 * first.round_epsilon);
		assert_eq!(accountant.rounds(), 2);
	}

	#[test]
	fn invalid_arguments_are_named() {
		assert_eq!(
			compute_rdp(1.5, 1.0, 1, &[2.0]),
			Err(PrivacyError::SamplingRate(1.5))
		);
		assert_eq!(
			compute_rdp(0.5, -1.0, 1, &[2.0]),
			Err(PrivacyError::NoiseMultiplier(-1.0))
		);
		assert_eq!(
			compute_rdp(0.5, 1.0, 1, &[0.5]),
			Err(PrivacyError::Order(0.5))
		);
		assert!(matches!(
			RdpAccountant::new(0.0),
			Err(PrivacyError::Delta(_))
		));
		assert!(matches!(
			epsilon_from_rdp(&[2.0], &[], 1e-5, Conversion::Classic),
			Err(PrivacyError::Lengths { .. })
		));
		assert!(classic_gaussian_noise_multiplier(2.0, 1e-5).is_err());
	}

	#[test]
	fn classic_multiplier_formula() {
		let z = classic_gaussian_noise_multiplier(0.5, 1e-5).unwrap();
		close(z, (2.0 * (1.25e5f64).ln()).sqrt() / 0.5, 1e-12);
	}

	#[test]
	fn signed_log_cancels() {
		let x = SignedLog::ZERO
			.add(true, 3.0f64.ln())
			.add(false, 1.0f64.ln());
		assert!(x.positive);
		close(x.log_magnitude.exp(), 2.0, 1e-12);
		let y = x.add(false, 5.0f64.ln());
		assert!(!y.positive);
		close(y.log_magnitude.exp(), 3.0, 1e-12);
	}
}
