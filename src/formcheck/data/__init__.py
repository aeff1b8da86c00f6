"""Data files shipped with formcheck: settings and fault rules (TOML)."""
