"""Thin typer commands, one module per group: parse, call the API layer, hand the result to output."""
