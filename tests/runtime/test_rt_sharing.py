"""Shared immutable values (`runtime/core/sharing.py`): a shared object is always equal to
the one it stands for, in keys, key order and the exact type of every value; values that
are seen once are not pinned in the table."""
import pytest

from journeylang.runtime.core import sharing
from journeylang.runtime.core.sharing import shared, shared_data, shared_text


@pytest.fixture(autouse=True)
def fresh_tables(monkeypatch):
    monkeypatch.setattr(sharing, "_DATA", {})
    monkeypatch.setattr(sharing, "_TEXT", {})
    monkeypatch.setattr(sharing, "_SEEN_ONCE", set())
    monkeypatch.setattr(sharing, "_BY_KEY", {})
    monkeypatch.setattr(sharing, "_BY_ID", {})


def test_equal_projected_data_is_one_object_from_its_second_sighting():
    first = shared_data({"productListItems": [{"category": "footwear"}]})
    second = shared_data({"productListItems": [{"category": "footwear"}]})
    third = shared_data({"productListItems": [{"category": "footwear"}]})
    assert first == second == third
    assert second is not first        # the first sighting only notes the value
    assert third is second


@pytest.mark.parametrize("a, b", [
    ({"n": 1}, {"n": 1.0}),
    ({"n": 1}, {"n": True}),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
    ({"x": None}, {}),
    ({"s": "1"}, {"s": 1}),
])
def test_values_that_differ_in_type_or_key_order_are_never_shared(a, b):
    for _ in range(2):
        shared_data(dict(a))
    got = shared_data(dict(b))
    assert list(got.items()) == list(b.items())
    assert [type(v) for v in got.values()] == [type(v) for v in b.values()]


def test_unencodable_and_large_values_are_kept_as_they_are():
    big = {"n": 2 ** 70}
    assert shared_data(big) is big
    large = {"text": "x" * (sharing.MAX_SHARED_DATA_BYTES + 1)}
    for _ in range(3):
        value = dict(large)
        assert shared_data(value) is value
    assert sharing._DATA == {}


def test_the_tables_stop_growing(monkeypatch):
    monkeypatch.setattr(sharing, "MAX_SHARED_DATA", 4)
    for round_ in range(2):
        for n in range(10):
            shared_data({"id": f"c-{n}"})
    assert len(sharing._DATA) <= 4
    assert len(sharing._SEEN_ONCE) <= 4


def test_attribute_objects_share_only_objects_of_shared_leaves():
    consent = shared({"val": "y"})
    assert shared({"val": "y"}) is consent
    assert shared({"email": consent}) is shared({"email": consent})
    unshared_child = {"val": "n"}
    assert shared({"email": dict(unshared_child)}) is not shared({"email": dict(unshared_child)})
    assert shared({"score": 1.5}) is not shared({"score": 1.5})     # floats are never shared
    long_text = "x" * (sharing.MAX_SHARED_TEXT + 1)
    assert shared({"address": long_text}) is not shared({"address": long_text})


def test_short_attribute_texts_are_one_object_and_long_ones_stay_apart():
    zone = "Europe/" + "Berlin"
    assert shared_text(zone) is zone
    again = "".join(["Europe/", "Berlin"])
    assert again is not zone and shared_text(again) is zone
    address = "u000001@example.com.very-long-domain.example"
    copy = "".join([address[:5], address[5:]])
    assert shared_text(address) is address and shared_text(copy) is copy
