"""The foundation layer: settings, the error tree, typed records, presets and the egress guard.

Nothing here imports any other part of podclip except ``podclip.scoring.types``.
"""
