"""kubesim.cli"""
