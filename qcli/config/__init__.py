"""Contexts (named tenants) and their credentials."""
