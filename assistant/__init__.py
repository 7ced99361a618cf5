"""Complaint Coach."""
