"""kubesim.sim"""
