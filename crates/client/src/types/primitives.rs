//! Identifiers and small value types shared by every part of the SDK.

use crate::error::ClientError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{fmt, str::FromStr};

/// An account on the chain (32 bytes, shown in SS58 format).
pub use subxt::utils::AccountId32 as AccountId;

/// Identifies a training task.
pub type TaskId = u32;
/// Index of a round within its task.
pub type RoundIndex = u32;
/// An amount of any asset, in its smallest unit.
pub type Balance = u128;
/// A block number.
pub type BlockNumber = u32;

/// One DML, the native token (12 decimals).
pub const UNIT: Balance = 1_000_000_000_000;

/// A fraction in parts per billion, exactly as the chain's `Perbill` stores it.
///
/// It is also the type the generated API uses for the runtime's `Perbill` (same encoding).
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Serialize,
	Deserialize,
	subxt::ext::scale_encode::EncodeAsType,
	subxt::ext::scale_decode::DecodeAsType,
)]
#[encode_as_type(crate_path = "::subxt::ext::scale_encode")]
#[decode_as_type(crate_path = "::subxt::ext::scale_decode")]
#[serde(transparent)]
pub struct Perbill(pub u32);

impl Perbill {
	/// Parts per billion in one whole.
	pub const ONE_PARTS: u32 = 1_000_000_000;

	/// `percent`% (saturating at 100%).
	pub const fn from_percent(percent: u32) -> Self {
		let percent = if percent > 100 { 100 } else { percent };
		Self(percent * 10_000_000)
	}

	/// `parts` billionths (saturating at one).
	pub const fn from_parts(parts: u32) -> Self {
		Self(if parts > Self::ONE_PARTS {
			Self::ONE_PARTS
		} else {
			parts
		})
	}

	/// The nearest fraction to `value`, which must lie in `[0, 1]`.
	pub fn from_fraction(value: f64) -> Result<Self, ClientError> {
		if !(0.0..=1.0).contains(&value) {
			return Err(ClientError::invalid(
				"fraction",
				format!("{value} is not between 0 and 1"),
			));
		}
		Ok(Self((value * f64::from(Self::ONE_PARTS)).round() as u32))
	}

	/// The fraction as a float, for display and arithmetic off chain.
	pub fn as_fraction(self) -> f64 {
		f64::from(self.0) / f64::from(Self::ONE_PARTS)
	}

	/// `self × amount`, rounded down, as the runtime's `Perbill * Balance` does.
	pub fn of(self, amount: Balance) -> Balance {
		let parts = Balance::from(self.0);
		let one = Balance::from(Self::ONE_PARTS);
		// Split to avoid overflow: (q·one + r)·p/one = q·p + r·p/one.
		(amount / one) * parts + (amount % one) * parts / one
	}
}

impl fmt::Display for Perbill {
	/// Percent with up to seven decimals, trailing zeroes dropped: `80%`, `12.5%`.
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		let whole = self.0 / 10_000_000;
		let rest = self.0 % 10_000_000;
		if rest == 0 {
			write!(f, "{whole}%")
		} else {
			let decimals = format!("{rest:07}");
			write!(f, "{whole}.{}%", decimals.trim_end_matches('0'))
		}
	}
}

impl FromStr for Perbill {
	type Err = ClientError;

	/// `80%`, `12.5%` or a fraction such as `0.125`.
	fn from_str(text: &str) -> Result<Self, Self::Err> {
		let text = text.trim();
		let bad = |reason: &str| ClientError::invalid("ratio", format!("`{text}`: {reason}"));
		if let Some(percent) = text.strip_suffix('%') {
			let parts = parse_decimal(percent.trim(), 7)
				.ok_or_else(|| bad("expected a percentage with at most 7 decimals, like 12.5%"))?;
			if parts > u128::from(Self::ONE_PARTS) {
				return Err(bad("above 100%"));
			}
			return Ok(Self(parts as u32));
		}
		let parts = parse_decimal(text, 9)
			.ok_or_else(|| bad("expected a percentage (80%) or a fraction (0.8)"))?;
		if parts > u128::from(Self::ONE_PARTS) {
			return Err(bad("above 1"));
		}
		Ok(Self(parts as u32))
	}
}

/// Parses a non-negative decimal with at most `decimals` fractional digits into an integer
/// scaled by `10^decimals`, exactly (no floating point).
pub(crate) fn parse_decimal(text: &str, decimals: u32) -> Option<u128> {
	let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
	if whole.is_empty() && fraction.is_empty() {
		return None;
	}
	let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
	if !all_digits(whole) || !all_digits(fraction) || fraction.len() > decimals as usize {
		return None;
	}
	let scale = 10u128.checked_pow(decimals)?;
	let whole: u128 = if whole.is_empty() {
		0
	} else {
		whole.parse().ok()?
	};
	let padded = format!("{fraction:0<width$}", width = decimals as usize);
	let fraction: u128 = if padded.is_empty() {
		0
	} else {
		padded.parse().ok()?
	};
	whole.checked_mul(scale)?.checked_add(fraction)
}

/// An asset a task, bond, stake or fee can be in: the native token or an Assets-pallet asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Asset {
	/// DML, the native token.
	Native,
	/// An asset of the Assets pallet, by id.
	Id(u32),
}

impl fmt::Display for Asset {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Asset::Native => f.write_str("native"),
			Asset::Id(id) => write!(f, "asset:{id}"),
		}
	}
}

impl FromStr for Asset {
	type Err = ClientError;

	/// `native` (or `DML`), `asset:7` or `7`.
	fn from_str(text: &str) -> Result<Self, Self::Err> {
		let text = text.trim();
		if text.eq_ignore_ascii_case("native") || text.eq_ignore_ascii_case("dml") {
			return Ok(Asset::Native);
		}
		let id = text.strip_prefix("asset:").unwrap_or(text);
		id.parse().map(Asset::Id).map_err(|_| {
			ClientError::invalid(
				"asset",
				format!("`{text}` is neither `native` nor an asset id such as `asset:7`"),
			)
		})
	}
}

impl Serialize for Asset {
	fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
		serializer.collect_str(self)
	}
}

impl<'de> Deserialize<'de> for Asset {
	fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
		let text = String::deserialize(deserializer)?;
		text.parse().map_err(serde::de::Error::custom)
	}
}

/// An ISO 3166-1 alpha-2 country code such as `DE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Jurisdiction(pub [u8; 2]);

impl fmt::Display for Jurisdiction {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "{}", self.0.escape_ascii())
	}
}

impl FromStr for Jurisdiction {
	type Err = ClientError;

	fn from_str(text: &str) -> Result<Self, Self::Err> {
		let bytes = text.trim().as_bytes();
		match bytes {
			[a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok(Self([*a, *b])),
			_ => Err(ClientError::invalid(
				"jurisdiction",
				format!("`{text}` is not two upper-case letters (ISO 3166-1 alpha-2, e.g. DE)"),
			)),
		}
	}
}

impl Serialize for Jurisdiction {
	fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
		serializer.collect_str(self)
	}
}

impl<'de> Deserialize<'de> for Jurisdiction {
	fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
		let text = String::deserialize(deserializer)?;
		text.parse().map_err(serde::de::Error::custom)
	}
}

/// A content identifier as the chain stores it: a binary CIDv1. Shown and parsed in the
/// usual text form (`bafk…`); [`ContentId::to_cid`] gives the `cid` crate's type that
/// `decentralml-storage` uses.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentId(pub Vec<u8>);

impl ContentId {
	/// The binary CID.
	pub fn as_bytes(&self) -> &[u8] {
		&self.0
	}

	/// The CID, if the bytes are a well-formed one.
	pub fn to_cid(&self) -> Result<cid::Cid, ClientError> {
		cid::Cid::try_from(self.0.as_slice()).map_err(|e| {
			ClientError::invalid(
				"CID",
				format!("0x{} is not a binary CID: {e}", hex::encode(&self.0)),
			)
		})
	}
}

impl From<cid::Cid> for ContentId {
	fn from(cid: cid::Cid) -> Self {
		Self(cid.to_bytes())
	}
}

impl From<&cid::Cid> for ContentId {
	fn from(cid: &cid::Cid) -> Self {
		Self(cid.to_bytes())
	}
}

impl fmt::Display for ContentId {
	/// The CID's text form, or `0x…` hex for bytes that are not a CID.
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match cid::Cid::try_from(self.0.as_slice()) {
			Ok(cid) => write!(f, "{cid}"),
			Err(_) => write!(f, "0x{}", hex::encode(&self.0)),
		}
	}
}

impl fmt::Debug for ContentId {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "ContentId({self})")
	}
}

impl FromStr for ContentId {
	type Err = ClientError;

	/// A CID in text form (`bafk…`, `bafy…`), or `0x…` hex of a binary CID.
	fn from_str(text: &str) -> Result<Self, Self::Err> {
		let text = text.trim();
		if let Some(hex_digits) = text.strip_prefix("0x") {
			let bytes = hex::decode(hex_digits)
				.map_err(|e| ClientError::invalid("CID", format!("`{text}`: {e}")))?;
			let id = ContentId(bytes);
			id.to_cid()?;
			return Ok(id);
		}
		let cid = cid::Cid::try_from(text)
			.map_err(|e| ClientError::invalid("CID", format!("`{text}`: {e}")))?;
		Ok(cid.into())
	}
}

impl Serialize for ContentId {
	fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
		serializer.collect_str(self)
	}
}

impl<'de> Deserialize<'de> for ContentId {
	fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
		let text = String::deserialize(deserializer)?;
		text.parse().map_err(serde::de::Error::custom)
	}
}

/// The part a participant plays in a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
	/// Trains on private data and submits updates.
	Trainer,
	/// Scores updates on held-out data and attests aggregates.
	Validator,
	/// Combines the accepted updates into the next global model.
	Aggregator,
}

impl Role {
	/// All roles.
	pub const ALL: [Role; 3] = [Role::Trainer, Role::Validator, Role::Aggregator];

	/// Lower-case name, as the command line spells it.
	pub fn name(self) -> &'static str {
		match self {
			Role::Trainer => "trainer",
			Role::Validator => "validator",
			Role::Aggregator => "aggregator",
		}
	}
}

impl fmt::Display for Role {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(self.name())
	}
}

impl FromStr for Role {
	type Err = ClientError;

	fn from_str(text: &str) -> Result<Self, Self::Err> {
		Role::ALL
			.into_iter()
			.find(|role| role.name().eq_ignore_ascii_case(text.trim()))
			.ok_or_else(|| {
				ClientError::invalid(
					"role",
					format!("`{text}` is not one of trainer, validator, aggregator"),
				)
			})
	}
}

/// Formats an amount of a 12-decimal token as `12.5` (trailing zeroes dropped).
pub fn format_units(amount: Balance) -> String {
	let whole = amount / UNIT;
	let rest = amount % UNIT;
	if rest == 0 {
		return whole.to_string();
	}
	let decimals = format!("{rest:012}");
	format!("{whole}.{}", decimals.trim_end_matches('0'))
}

/// Parses `12.5` (whole units, up to 12 decimals) into the smallest unit, exactly.
pub fn parse_units(text: &str) -> Result<Balance, ClientError> {
	parse_decimal(text.trim(), 12).ok_or_else(|| {
		ClientError::invalid(
			"amount",
			format!("`{text}` is not an amount with at most 12 decimals"),
		)
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn perbill_reads_percentages_and_fractions() {
		assert_eq!("80%".parse::<Perbill>().unwrap(), Perbill::from_percent(80));
		assert_eq!("12.5%".parse::<Perbill>().unwrap(), Perbill(125_000_000));
		assert_eq!("0.125".parse::<Perbill>().unwrap(), Perbill(125_000_000));
		assert_eq!("1".parse::<Perbill>().unwrap(), Perbill(1_000_000_000));
		assert!("101%".parse::<Perbill>().is_err());
		assert!("1.5".parse::<Perbill>().is_err());
		assert!("-1%".parse::<Perbill>().is_err());
		assert!("abc".parse::<Perbill>().is_err());
		assert_eq!(Perbill(125_000_000).to_string(), "12.5%");
		assert_eq!(Perbill::from_percent(80).to_string(), "80%");
		assert_eq!(Perbill(1).to_string(), "0.0000001%");
	}

	#[test]
	fn perbill_of_matches_the_runtime_rounding() {
		// The protocol docs' worked example: 70% of a budget of 1000.
		assert_eq!(Perbill::from_percent(70).of(1_000), 700);
		assert_eq!(Perbill(333_333_333).of(1_000), 333);
		assert_eq!(Perbill::from_percent(100).of(u128::MAX), u128::MAX);
	}

	proptest! {
		#[test]
		fn perbill_display_parses_back(parts in 0u32..=1_000_000_000) {
			let ratio = Perbill(parts);
			let shown = ratio.to_string();
			// Display keeps seven decimals of a percent: exact for every Perbill.
			prop_assert_eq!(shown.parse::<Perbill>().unwrap(), ratio);
		}

		#[test]
		fn perbill_of_never_exceeds_the_amount(parts in 0u32..=1_000_000_000, amount: u128) {
			let part = Perbill(parts).of(amount);
			prop_assert!(part <= amount);
			// And it is the exact floor where the product fits in u128.
			if let Some(product) = amount.checked_mul(u128::from(parts)) {
				prop_assert_eq!(part, product / 1_000_000_000);
			}
		}

		#[test]
		fn units_format_and_parse_back(amount: u128) {
			prop_assert_eq!(parse_units(&format_units(amount)).unwrap(), amount);
		}
	}

	#[test]
	fn units_parse_exactly() {
		assert_eq!(parse_units("1").unwrap(), UNIT);
		assert_eq!(parse_units("0.000000000001").unwrap(), 1);
		assert_eq!(parse_units("12.5").unwrap(), 12 * UNIT + UNIT / 2);
		assert!(parse_units("0.0000000000001").is_err());
		assert!(parse_units("1e3").is_err());
		assert!(parse_units("").is_err());
		assert_eq!(format_units(12 * UNIT + UNIT / 2), "12.5");
	}

	#[test]
	fn assets_parse_and_show() {
		assert_eq!("native".parse::<Asset>().unwrap(), Asset::Native);
		assert_eq!("DML".parse::<Asset>().unwrap(), Asset::Native);
		assert_eq!("asset:7".parse::<Asset>().unwrap(), Asset::Id(7));
		assert_eq!("7".parse::<Asset>().unwrap(), Asset::Id(7));
		assert!("gold".parse::<Asset>().is_err());
		assert_eq!(Asset::Id(7).to_string(), "asset:7");
		let json = serde_json::to_string(&Asset::Id(7)).unwrap();
		assert_eq!(serde_json::from_str::<Asset>(&json).unwrap(), Asset::Id(7));
	}

	#[test]
	fn jurisdictions_are_two_capitals() {
		assert_eq!("DE".parse::<Jurisdiction>().unwrap(), Jurisdiction(*b"DE"));
		assert!("de".parse::<Jurisdiction>().is_err());
		assert!("DEU".parse::<Jurisdiction>().is_err());
		assert_eq!(Jurisdiction(*b"FR").to_string(), "FR");
	}

	#[test]
	fn content_ids_round_trip_through_text() {
		// `ipfs add --cid-version=1 --raw-leaves` of "hello\n".
		let text = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
		let id: ContentId = text.parse().unwrap();
		assert_eq!(id.as_bytes().len(), 36);
		assert_eq!(id.to_string(), text);
		let hex_form = format!("0x{}", hex::encode(id.as_bytes()));
		assert_eq!(hex_form.parse::<ContentId>().unwrap(), id);
		assert!("bafkNOTACID".parse::<ContentId>().is_err());
		// Bytes that are not a CID still display, as hex.
		assert_eq!(ContentId(vec![1, 2]).to_string(), "0x0102");
	}

	#[test]
	fn roles_parse_case_insensitively() {
		assert_eq!("Trainer".parse::<Role>().unwrap(), Role::Trainer);
		assert!("miner".parse::<Role>().is_err());
		assert_eq!(
			serde_json::to_string(&Role::Aggregator).unwrap(),
			"\"aggregator\""
		);
	}
}
