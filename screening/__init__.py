"""The Django side of the screening programme manager: one app per bounded context."""
