"""kubesim.client"""
