"""Tests of kubesim.client: workqueue and informer cache."""
