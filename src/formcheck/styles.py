"""The threshold styles formcheck ships, by name.

Kept apart from :mod:`formcheck.config` (pydantic, numpy) because the command line offers
them as choices before anything is analysed.
"""

STYLES = ("high_bar", "low_bar", "front", "conventional", "romanian")
