"""Participants and their consent."""
