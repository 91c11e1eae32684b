"""Keeping a store sound and small: what chunks link to (`links`), `fsck` and `gc`."""
