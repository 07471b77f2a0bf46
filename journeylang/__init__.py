"""journeylang: customer journeys as code — compiler, linter and deterministic replay."""
__version__ = "0.1.0"
