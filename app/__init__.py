"""Pressroom: an open JSON API for press releases."""
