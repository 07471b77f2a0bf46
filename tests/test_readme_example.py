"""The pytest example shown in README.md, kept as a test so the README stays true
(the only difference: an absolute path to journeys/)."""
import os

from journeylang.testing import Simulation

JOURNEYS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "journeys")


def test_cart_reminder_waits_30_minutes():
    sim = Simulation.from_paths(JOURNEYS, start="2026-11-20T09:00:00Z")
    sim.profile("ann", consents={"marketing": {"email": {"val": "y"}}})
    sim.event("commerce.productListAdds", "ann", at="+1h", commerce={"cart": {"cartID": "c1"}})
    sim.advance("1h29m")
    sim.assert_no_action(profile="ann", message="cart_reminder")
    sim.advance("1m")
    sim.assert_action(profile="ann", channel="email", message="cart_reminder", status="sent")
