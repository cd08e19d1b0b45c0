"""Formatters (json, yaml, table, csv), `-q` and `--query`, applied once, on stdout only."""
