"""The training log: sets, pain and load over time, and the warnings drawn from them."""
