"""One module per API, with plain methods named after the reference's operations."""
