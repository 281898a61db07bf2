"""Programmes, campaigns, eligibility, invitations and episodes."""
