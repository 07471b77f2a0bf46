"""Tests of the synthetic event-log generator (journeylang.generate.xdm_log)."""
from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict

import orjson
import pytest

from journeylang.generate import xdm_log as generate
from journeylang.generate.xdm_log import generate_log, iter_records, main

START = "2026-11-01T00:00:00Z"
EVENT_TYPES = [
    "commerce.productViews", "commerce.productListAdds", "commerce.productListRemovals",
    "commerce.cartCleared", "commerce.purchases", "application.launch",
    "web.webpagedetails.pageViews", "message.interaction", "store.visit",
]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(iter_records(profiles=4000, days=14, seed=11, start=START))


def _person(record: dict) -> str:
    """The simulated person behind a record (its profile index)."""
    identities = record["identityMap"]
    first = (identities.get("Email") or identities["ECID"])[0]["id"]
    return re.search(r"\d{6}", first).group()


def test_same_arguments_give_identical_bytes(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    stats_a = generate_log(str(a), profiles=200, days=10, seed=3)
    stats_b = generate_log(str(b), profiles=200, days=10, seed=3)
    assert stats_a == stats_b
    assert a.read_bytes() == b.read_bytes()
    assert stats_a["bytes"] == a.stat().st_size
    assert stats_a["records"] == len(a.read_bytes().splitlines())


def test_different_seed_gives_different_output(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    generate_log(str(a), profiles=200, days=10, seed=3)
    generate_log(str(b), profiles=200, days=10, seed=4)
    assert a.read_bytes() != b.read_bytes()


def test_iter_records_matches_file(tmp_path):
    path = tmp_path / "log.jsonl"
    generate_log(str(path), profiles=150, days=7, seed=5, start=START)
    again = b"".join(orjson.dumps(r) + b"\n" for r in iter_records(profiles=150, days=7, seed=5, start=START))
    assert path.read_bytes() == again


def test_chunked_merge_equals_single_chunk(tmp_path, monkeypatch):
    whole = list(iter_records(profiles=300, days=7, seed=9, start=START))
    monkeypatch.setattr(generate, "CHUNK_PROFILES", 37)        # forces spill files + heap merge
    chunked = list(iter_records(profiles=300, days=7, seed=9, start=START))
    assert whole == chunked


def test_gzip_output_is_readable_and_deterministic(tmp_path):
    plain, gz1, gz2 = tmp_path / "a.jsonl", tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    generate_log(str(plain), profiles=120, days=5, seed=1)
    stats = generate_log(str(gz1), profiles=120, days=5, seed=1)
    generate_log(str(gz2), profiles=120, days=5, seed=1)
    assert gz1.read_bytes() == gz2.read_bytes()
    with gzip.open(gz1, "rb") as f:
        assert f.read() == plain.read_bytes()
    assert stats["bytes"] == gz1.stat().st_size < plain.stat().st_size


def test_records_are_well_formed_and_in_order(records):
    ids = set()
    previous = ""
    for record in records:
        assert TIMESTAMP.match(record["timestamp"]), record
        assert START <= record["timestamp"] < "2026-11-15T00:00:00Z"
        assert record["timestamp"] >= previous
        previous = record["timestamp"]
        assert isinstance(record["_id"], str) and record["_id"] not in ids
        ids.add(record["_id"])
        assert any(entries and entries[0]["id"] for entries in record["identityMap"].values())
        assert ("eventType" in record) != (record.get("recordType") == "profile")


def test_start_offset_and_window(tmp_path):
    recs = list(iter_records(profiles=100, days=3, seed=2, start="2026-03-10T12:30:00+01:00"))
    assert recs and all("2026-03-10T11:30:00Z" <= r["timestamp"] < "2026-03-13T11:30:00Z" for r in recs)


def test_vocabulary_is_exercised(records):
    people = defaultdict(set)
    for record in records:
        people[record.get("eventType", "profile")].add(_person(record))
    for event_type in EVENT_TYPES:
        assert len(people[event_type]) >= 150, (event_type, len(people[event_type]))
    messages = {r["message"]["name"] for r in records if r.get("eventType") == "message.interaction"}
    assert messages == {"cart_reminder", "browse_reminder", "wishlist_reminder",
                        "order_confirmation", "offer_reminder"}
    datasets = defaultdict(set)
    for record in records:
        if "eventType" in record:
            datasets[record["eventType"]].add(record["dataset"])
    assert datasets["commerce.purchases"] == {"web", "app", "offline"}
    assert datasets["store.visit"] == {"offline"}
    assert datasets["application.launch"] == {"app"}


def test_commerce_fields(records):
    purchases = [r for r in records if r.get("eventType") == "commerce.purchases"]
    offline = [r for r in purchases if r["dataset"] == "offline"]
    assert 0.05 < len(offline) / len(purchases) < 0.3
    for p in purchases:
        order = p["commerce"]["order"]
        assert order["currencyCode"] == "EUR" and p["commerce"]["purchases"] == {"value": 1}
        assert order["priceTotal"] == round(sum(i["priceTotal"] for i in p["productListItems"]), 2)
    for add in (r for r in records if r.get("eventType") == "commerce.productListAdds"):
        assert add["commerce"]["productListAdds"] == {"value": 1}
        assert re.fullmatch(r"c-\d{6}-\d+", add["commerce"]["cart"]["cartID"])
        item = add["productListItems"][0]
        assert item["category"] in generate.CATEGORIES and item["currencyCode"] == "EUR"
    # a cart is finished by a purchase or a clear: no add to it afterwards
    closed = set()
    for r in records:
        cart = r.get("commerce", {}).get("cart", {}).get("cartID")
        if r.get("eventType") == "commerce.productListAdds":
            assert cart not in closed
        elif r.get("eventType") in ("commerce.purchases", "commerce.cartCleared") and cart:
            closed.add(cart)
    assert closed


def test_profiles(records):
    profiles = [r for r in records if r.get("recordType") == "profile"]
    full = [p for p in profiles if "person" in p]
    assert len(full) == 4000
    at_start = sum(p["timestamp"] == START for p in full)
    assert 0.9 * 4000 < at_start < 4000                       # a few come later
    updates = [p for p in profiles if "person" not in p]
    assert updates and all(set(p) == {"_id", "recordType", "timestamp", "identityMap", "consents"}
                           for p in updates)
    for p in full[:200]:
        email = p["identityMap"]["Email"][0]
        assert email == {"id": p["personalEmail"]["address"], "authenticatedState": "authenticated",
                         "primary": True}
        assert p["identityMap"]["ECID"][0]["id"] == "ecid-" + email["id"][1:7]
        assert p["loyalty"]["tier"] in ("bronze", "silver", "gold", "platinum")
        assert re.fullmatch(r"S0(0[1-9]|1\d|20)", p["preferredStore"]["id"])
        assert 0 <= p["churnprop"] <= 1
        assert p.get("timezone", "UTC") in generate.TIMEZONES
    share = sum(p["consents"]["marketing"]["email"]["val"] == "y" for p in full) / len(full)
    assert 0.7 < share < 0.9


def test_anonymous_then_linked_histories(records):
    first_anonymous: dict[str, int] = {}
    linked_after_anonymous = 0
    for position, record in enumerate(records):
        ecids = [e["id"] for e in record["identityMap"].get("ECID", [])]
        anon = [e for e in ecids if e.startswith("anon-")]
        if not anon:
            continue
        if "Email" not in record["identityMap"]:
            assert record["identityMap"]["ECID"][0]["authenticatedState"] == "ambiguous"
            first_anonymous.setdefault(anon[0], position)
        elif anon[0] in first_anonymous:
            linked_after_anonymous += 1
    assert len(first_anonymous) >= 100
    assert linked_after_anonymous >= 50


def test_cli_prints_stats(tmp_path, capsys):
    out = tmp_path / "cli" / "events.jsonl.gz"
    assert main(["--profiles", "50", "--days", "3", "--seed", "7", "--start", START, "-o", str(out)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["profiles"] == 50 and stats["records"] > stats["events"] > 0
    assert stats["bytes"] == out.stat().st_size


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate_log(str(tmp_path / "x.jsonl"), profiles=10, days=1, seed=1, start="yesterday")
    assert not (tmp_path / "x.jsonl").exists()
    assert main(["--profiles", "-1", "-o", str(tmp_path / "y.jsonl")]) == 2
