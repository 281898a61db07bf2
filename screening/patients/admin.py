"""Participants and consent are deliberately absent from the Django admin.

Every read of patient data must be audited by the service that does it; the admin's change
views would read around that. Coordinators and admins use the audited pages and API instead.
"""
