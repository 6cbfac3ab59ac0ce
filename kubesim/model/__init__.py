"""Pure data shared by every layer: errors, kinds, keys, object and label helpers.

Imports nothing else of kubesim.
"""
