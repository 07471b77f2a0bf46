"""Inputs for trying journeys: `xdm_log` writes a seeded, realistic XDM event log
(`journeylang generate`). It depends on nothing else in the package.
"""
