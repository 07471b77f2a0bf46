"""Testing journeys: `simulation` (the pytest-facing `Simulation` API), `scenarios`
(`*.scenario.yaml` files and node coverage: `journeylang test`) and `why` (a profile's
timeline from a trace). `from journeylang.testing import Simulation` is the public API.
"""
from .simulation import Simulation, SimulationError

__all__ = ["Simulation", "SimulationError"]
