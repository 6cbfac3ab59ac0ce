"""kubesim.view"""
