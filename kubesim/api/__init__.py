"""kubesim.api"""
