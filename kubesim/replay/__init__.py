"""kubesim.replay"""
