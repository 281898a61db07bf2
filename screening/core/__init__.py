"""Shared ground: base models, the audit trail, roles and scoping, shared UI pieces."""
