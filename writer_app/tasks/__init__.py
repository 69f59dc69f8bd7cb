"""Prompt building and post-processing per feature: plain text in and out, no Qt, no torch."""
