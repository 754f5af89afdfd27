//! The origins our referendum tracks dispatch with.

pub use pallet_custom_origins::*;

#[frame_support::pallet]
pub mod pallet_custom_origins {
	use frame_support::pallet_prelude::*;

	#[pallet::config]
	pub trait Config: frame_system::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// The origin of a call dispatched by a passed referendum on one of our tracks.
	#[derive(
		PartialEq, Eq, Clone, MaxEncodedLen, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug,
	)]
	#[pallet::origin]
	pub enum Origin {
		/// Approve, pause, resume or cancel training tasks.
		TaskApproval,
		/// Change protocol-wide parameters: reward thresholds, slashing rates, phase lengths,
		/// bounds.
		ProtocolParameters,
		/// Change licence terms, allowed jurisdictions and eligible clients of tasks.
		Licensing,
	}

	/// Declares one `EnsureOrigin` type per track origin.
	macro_rules! ensure_track_origin {
		($($name:ident),* $(,)?) => {$(
			#[doc = concat!("Succeeds for the `", stringify!($name), "` track's origin only.")]
			pub struct $name;
			impl<O: OriginTrait + From<Origin>> EnsureOrigin<O> for $name
			where
				for<'a> &'a O::PalletsOrigin: TryInto<&'a Origin>,
			{
				type Success = ();
				fn try_origin(o: O) -> Result<Self::Success, O> {
					let ours = matches!(o.caller().try_into(), Ok(Origin::$name));
					if ours { Ok(()) } else { Err(o) }
				}
				#[cfg(feature = "runtime-benchmarks")]
				fn try_successful_origin() -> Result<O, ()> {
					Ok(O::from(Origin::$name))
				}
			}
		)*};
	}
	ensure_track_origin!(TaskApproval, ProtocolParameters, Licensing);
}
