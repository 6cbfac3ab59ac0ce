"""kubesim.lessons"""
