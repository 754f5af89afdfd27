//! Setting licence terms: who may, when, and what is valid.

use super::*;
use frame_support::assert_noop;
use sp_runtime::DispatchError;

fn set_as_owner(terms: LicenceTerms<Test>) -> sp_runtime::DispatchResult {
	Licensing::set_terms(RuntimeOrigin::signed(OWNER), TASK, Box::new(terms))
}

#[test]
fn the_owner_sets_terms_while_the_task_is_proposed() {
	run_test(|| {
		create_task(TASK, MockStatus::Proposed);
		assert_ok!(set_as_owner(terms(native())));
		let stored = Terms::<Test>::get(TASK).expect("terms are stored");
		assert_eq!(stored.version, 1);
		assert_eq!(stored.terms, terms(native()));
		assert_eq!(
			last_event(),
			Event::TermsSet {
				task: TASK,
				version: 1,
				by: Some(OWNER)
			}
		);

		let mut cheaper = terms(native());
		cheaper.fee_per_period = 10;
		assert_ok!(set_as_owner(cheaper));
		assert_eq!(Terms::<Test>::get(TASK).map(|t| t.version), Some(2));
	});
}

#[test]
fn after_approval_only_the_licensing_origin_changes_terms() {
	run_test(|| {
		licensable_task(terms(native()));
		assert_noop!(set_as_owner(terms(asset())), Error::<Test>::TermsLocked);
		assert_ok!(Licensing::set_terms(
			RuntimeOrigin::root(),
			TASK,
			Box::new(terms(asset()))
		));
		let stored = Terms::<Test>::get(TASK).expect("terms are stored");
		assert_eq!((stored.version, stored.terms.asset), (2, asset()));
		assert_eq!(
			last_event(),
			Event::TermsSet {
				task: TASK,
				version: 2,
				by: None
			}
		);
		// Also once the task is over.
		update_task(TASK, |t| t.status = MockStatus::Cancelled);
		assert_ok!(Licensing::set_terms(
			RuntimeOrigin::root(),
			TASK,
			Box::new(terms(native()))
		));
		assert_noop!(set_as_owner(terms(asset())), Error::<Test>::TermsLocked);
	});
}

#[test]
fn only_the_owner_or_governance_may_set_terms() {
	run_test(|| {
		create_task(TASK, MockStatus::Proposed);
		assert_noop!(
			Licensing::set_terms(
				RuntimeOrigin::signed(BUYER),
				TASK,
				Box::new(terms(native()))
			),
			Error::<Test>::NotTaskOwner
		);
		assert_noop!(
			Licensing::set_terms(RuntimeOrigin::none(), TASK, Box::new(terms(native()))),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Licensing::set_terms(RuntimeOrigin::root(), 42, Box::new(terms(native()))),
			Error::<Test>::UnknownTask
		);
	});
}

#[test]
fn invalid_terms_are_refused_with_the_reason() {
	run_test(|| {
		create_task(TASK, MockStatus::Proposed);
		type Breakage = fn(&mut LicenceTerms<Test>);
		let cases: Vec<(Breakage, Error<Test>)> = vec![
			(|t| t.terms = BoundedVec::new(), Error::EmptyTermsCid),
			(|t| t.fee_per_period = 0, Error::ZeroFee),
			(|t| t.period = 0, Error::ZeroPeriod),
			(
				|t| {
					t.contributors_share = Perbill::from_percent(71);
					t.backers_share = Perbill::from_percent(30);
				},
				Error::SharesAboveWhole,
			),
			(
				|t| t.jurisdictions = jurisdictions(&[]),
				Error::EmptyJurisdictions,
			),
			(
				|t| t.jurisdictions = jurisdictions(&[b"DE", b"fr"]),
				Error::InvalidJurisdiction,
			),
			(
				|t| t.jurisdictions = jurisdictions(&[b"D1"]),
				Error::InvalidJurisdiction,
			),
			(
				|t| t.jurisdictions = jurisdictions(&[b"DE", b"FR", b"DE"]),
				Error::DuplicateJurisdiction,
			),
			(
				|t| t.asset = NativeOrWithId::WithId(404),
				Error::UnknownAsset,
			),
		];
		for (break_terms, error) in cases {
			let mut bad = terms(native());
			break_terms(&mut bad);
			assert_noop!(set_as_owner(bad), error);
		}
		// The edges are fine: all to contributors and backers, none to the owner.
		let mut edge = terms(native());
		edge.contributors_share = Perbill::from_percent(70);
		edge.backers_share = Perbill::from_percent(30);
		edge.jurisdictions = jurisdictions(&[b"DE", b"FR", b"US", b"JP"]);
		assert_ok!(set_as_owner(edge));
	});
}

#[test]
fn terms_errors_explain_themselves() {
	let error = TermsError::SharesAboveWhole {
		contributors: Perbill::from_percent(80),
		backers: Perbill::from_percent(30),
	};
	assert!(error.to_string().contains("exceed 100%"));
	assert_eq!(
		TermsError::InvalidJurisdiction(*b"d1").to_string(),
		"jurisdiction \"d1\" is not two upper-case ASCII letters"
	);
}
