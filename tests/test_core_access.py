from hypothesis import given
from hypothesis import strategies as st

from dms_app.core.access import WAREHOUSE_SCOPED_DOCTYPES, Grant, desired_grants, plan_sync


def test_desired_grants():
	grants = desired_grants("D1", ["u@x"], ["W1", "W2"])
	assert Grant("u@x", "Distributor", "D1") in grants
	for warehouse in ("W1", "W2"):
		for doctype in WAREHOUSE_SCOPED_DOCTYPES:
			assert Grant("u@x", "Warehouse", warehouse, doctype) in grants
	assert len(grants) == 1 + 2 * len(WAREHOUSE_SCOPED_DOCTYPES)


def test_no_users_no_grants():
	assert desired_grants("D1", [], ["W1"]) == set()
	assert desired_grants("D1", [None, ""], ["W1"]) == set()


def test_removing_a_user_revokes_exactly_their_grants():
	before = desired_grants("D1", ["a@x", "b@x"], ["W1"])
	after = desired_grants("D1", ["a@x"], ["W1"])
	to_add, to_remove = plan_sync(after, before)
	assert to_add == []
	assert {g.user for g in to_remove} == {"b@x"}
	assert len(to_remove) == 1 + len(WAREHOUSE_SCOPED_DOCTYPES)


grant_sets = st.sets(
	st.builds(
		Grant,
		st.sampled_from(["a", "b", "c"]),
		st.sampled_from(["Distributor", "Warehouse"]),
		st.sampled_from(["D1", "W1", "W2"]),
		st.sampled_from([None, "Warehouse", "Bin"]),
	)
)


@given(grant_sets, grant_sets)
def test_plan_sync_reaches_desired_state(desired, existing):
	to_add, to_remove = plan_sync(desired, existing)
	assert (existing - set(to_remove)) | set(to_add) == desired
	assert not set(to_add) & existing
	assert set(to_remove) <= existing


@given(grant_sets)
def test_plan_sync_is_a_no_op_when_in_sync(grants):
	assert plan_sync(grants, set(grants)) == ([], [])
