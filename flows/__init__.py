"""Recall compensation batch processor."""
